import process from 'node:process';
import { execFileSync } from 'node:child_process';
import { Buffer } from 'node:buffer';
import { generateKeyPairSync, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import pg from 'pg';

const cpuModel = () => {
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((entry) => entry.startsWith('model name'));
    if (line !== undefined) return line.slice(line.indexOf(':') + 1).trim();
  } catch {
    // not Linux: fall through
  }
  return os.cpus()[0]?.model ?? 'unknown';
};

const postgresVersion = async (connectionString) => {
  const client = new pg.Client({ connectionString, connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
    const { rows } = await client.query('show server_version');
    return rows[0]?.server_version ?? 'unknown';
  } catch {
    return 'unreachable';
  } finally {
    await client.end().catch(() => undefined);
  }
};

const loadAverage = () =>
  os
    .loadavg()
    .map((value) => value.toFixed(2))
    .join(' / ');

/** The commit measured, and whether the server's sources had uncommitted changes. */
const sourceVersion = () => {
  try {
    const git = (...args) =>
      execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const commit = git('rev-parse', '--short', 'HEAD');
    const dirty = git('status', '--porcelain', '--', 'packages') !== '';
    return dirty ? `${commit} + uncommitted changes in packages/` : commit;
  } catch {
    return 'unknown (not a git checkout)';
  }
};

/**
 * A speed probe, so runs on different machines (or on one VM on different days) can be compared:
 * the median time of one RSA-2048 signature (what every access token costs) and of a fixed loop
 * of JavaScript, each on one core.
 */
const speedProbe = () => {
  const median = (samples) => samples.sort((a, b) => a - b)[Math.floor(samples.length / 2)];
  const timeOne = (fn) => {
    const start = process.hrtime.bigint();
    fn();
    return Number(process.hrtime.bigint() - start) / 1e6;
  };
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const data = Buffer.alloc(300, 1);
  const rsaMs = median(Array.from({ length: 101 }, () => timeOne(() => sign('sha256', data, privateKey))));
  const loop = () => {
    let sum = 0;
    for (let i = 0; i < 1e6; i++) sum += i % 7;
    return sum;
  };
  // The sums are compared, so the loop's result is used and it cannot be optimized away.
  const sums = new Set();
  const loopMs = median(Array.from({ length: 31 }, () => timeOne(() => sums.add(loop()))));
  if (sums.size !== 1) throw new Error('speed probe: the loop gave different sums');
  return `RSA-2048 sign ${rsaMs.toFixed(3)} ms, 1e6-iteration JS loop ${loopMs.toFixed(2)} ms`;
};

/** What the numbers were measured on. */
export const describeMachine = async (options) => ({
  cpus: os.availableParallelism(),
  cpuModel: cpuModel(),
  memoryGiB: (os.totalmem() / 2 ** 30).toFixed(1),
  os: `${os.type()} ${os.release()} ${os.arch()}`,
  node: process.version,
  source: sourceVersion(),
  postgres: options.backends.includes('postgres') ? await postgresVersion(options.databaseUrl) : 'not used',
  loadAtStart: loadAverage(),
  speed: speedProbe(),
});

export const currentLoadAverage = loadAverage;

const readTicks = () => {
  try {
    const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1, 9).map(Number);
    const [user, nice, system, idle, iowait, irq, softirq, steal] = cpu;
    const total = user + nice + system + idle + iowait + irq + softirq + steal;
    // Fields after the command name, which is in parentheses and may contain spaces.
    const own = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ').map(Number);
    // utime, stime, cutime, cstime are fields 14-17 of the line, 12-15 after the name.
    const bench = own[11] + own[12] + own[13] + own[14];
    return { total, busy: total - idle - iowait, bench };
  } catch {
    return undefined;
  }
};

/**
 * Measures how busy the whole machine was between start and `stop()`, and how much of that was
 * this bench (the server in this process and the reaped load-generator children). The rest is
 * PostgreSQL and whatever else runs on the machine. Linux only; elsewhere `stop()` gives undefined.
 */
export const cpuMeter = () => {
  const start = readTicks();
  return {
    stop: () => {
      const end = readTicks();
      if (start === undefined || end === undefined || end.total === start.total) return undefined;
      const total = end.total - start.total;
      return {
        machineBusyPct: ((end.busy - start.busy) / total) * 100,
        benchPct: ((end.bench - start.bench) / total) * 100,
      };
    },
  };
};
