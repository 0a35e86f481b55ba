import process from 'node:process';
import { clearTimeout, setTimeout } from 'node:timers';
import { URL } from 'node:url';
import { fork } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { defer } from './cleanup.mjs';

const WORKER = new URL('./load-worker.mjs', import.meta.url);

/** Generators live in bench/generators/<name>.mjs. */
export const generatorUrl = (name) => new URL(`../generators/${name}.mjs`, import.meta.url).href;

/**
 * The server's CPU time (all threads: event loop, libuv pool, GC) and event-loop utilization over
 * a load run, for a server in this process, which does nothing else meanwhile.
 * `start()` resolves to a `stop()` that resolves to `{cpuUs, eventLoopUtilization}`.
 */
export const inThisProcess = {
  start: async () => {
    const cpuAtStart = process.cpuUsage();
    const eluAtStart = performance.eventLoopUtilization();
    return async () => {
      const cpu = process.cpuUsage(cpuAtStart);
      return {
        cpuUs: cpu.user + cpu.system,
        eventLoopUtilization: performance.eventLoopUtilization(eluAtStart).utilization,
      };
    };
  },
};

/**
 * Drives load at `origin` from a forked child process for `durationMs` (after `warmupMs`), or
 * until `maxRequests` were issued. Resolves to `{rps, p50Ms, p99Ms, requests, errors,
 * serverCpuUsPerRequest, serverEventLoopUtilization, ...}`, the last two measured by `server`
 * (by default, the server runs in this process: `inThisProcess`; see also target-host.mjs).
 * The child is killed if it overruns its time by `graceMs`.
 */
export const runLoad = async (options) => {
  const stopMeasuring = await (options.server ?? inThisProcess).start();
  const result = await generateLoad(options);
  const { cpuUs, eventLoopUtilization } = await stopMeasuring();
  return {
    ...result,
    // Unlike the rate, CPU per answered request does not depend on what else the machine does.
    serverCpuUsPerRequest: cpuUs / Math.max(1, result.completed),
    // How busy the server's event loop was: near 1, the loop itself is the bottleneck.
    serverEventLoopUtilization: eventLoopUtilization,
  };
};

const generateLoad = ({
  origin,
  generator,
  data,
  durationMs,
  warmupMs = 0,
  /** A count bound on top of the time bound. */
  maxRequests = 500_000,
  concurrency = 64,
  connections = 32,
  pipelining = 2,
  graceMs = 30_000,
}) =>
  new Promise((resolve, reject) => {
    if (!origin.startsWith('http://127.0.0.1:')) {
      reject(new Error(`load only goes to 127.0.0.1, not ${origin}`));
      return;
    }
    const child = fork(WORKER, [], {
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const kill = defer(`load generator ${child.pid}`, () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    let settled = false;
    const settle = (fn, value) => {
      if (settled) return;
      settled = true;
      clearTimeout(watchdog);
      void kill();
      fn(value);
    };
    const watchdog = setTimeout(
      () => settle(reject, new Error(`load generator overran ${durationMs + warmupMs + graceMs} ms; killed`)),
      durationMs + warmupMs + graceMs,
    );
    child.on('message', (message) => {
      if (message.type === 'result') settle(resolve, message.result);
      else settle(reject, new Error(`load generator failed: ${message.error}`));
    });
    child.on('error', (error) => settle(reject, error));
    child.on('exit', (code, signal) =>
      settle(reject, new Error(`load generator exited (${signal ?? code}) without a result`)),
    );
    child.send({
      origin,
      generatorUrl: generatorUrl(generator),
      data,
      durationMs,
      warmupMs,
      maxRequests,
      concurrency,
      connections,
      pipelining,
    });
  });
