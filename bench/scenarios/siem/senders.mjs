import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { performance } from 'node:perf_hooks';
import { Buffer } from 'node:buffer';
import { setTimeout } from 'node:timers';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { SplunkHecSender } from '../../../packages/server/dist/adapters/destinations/splunk-hec-sender.js';
import { SyslogSender } from '../../../packages/server/dist/adapters/destinations/syslog-sender.js';
import { parseSplunkHecConfig } from '../../../packages/server/dist/domain/destinations/splunk-hec-config.js';
import { parseSyslogConfig } from '../../../packages/server/dist/domain/destinations/syslog-config.js';
import { defer } from '../../lib/cleanup.mjs';
import { makeResult } from '../../lib/result.mjs';

/*
 * Events per second through the SIEM senders alone (no store, no engine): the Splunk HEC sender
 * to a local receiver that checks the token and counts the concatenated events (Splunk cannot
 * run here), and the syslog sender over TLS to a real rsyslog writing to a file. Batches of
 * BATCH events of the size a revocation's audit event has (~600 bytes of JSON).
 */
const BATCH = 100;
const TOKEN = 'bench-hec-token';
const base = { group: 'siem', scenario: 'siem-senders' };

const percentile = (sorted, p) => sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)];

const events = (count, from) =>
  Array.from({ length: count }, (_, offset) => {
    const seq = from + offset;
    const event = {
      seq,
      ts: new Date(Date.UTC(2026, 11, 1, 10, 0, 0) + seq).toISOString(),
      action: 'user.revoked',
      actor: { type: 'admin', id: 'admin' },
      target: { type: 'user', id: `usr_${seq}` },
      reason: 'offboarding',
      counts: { sessions: 3, refresh_tokens: 3 },
      request: { ip: '203.0.113.7', user_agent: 'cutoff-cli/0.1.0' },
      details: { revocation_seq: seq, username: `user${seq}@example.com` },
      prev_hash: 'a'.repeat(64),
      hash: 'b'.repeat(64),
    };
    return { id: `bench:${seq}`, seq, event, payload: event };
  });

/** Sends batches for `durationMs`; returns events/s and per-batch latency. */
const drive = async (sender, durationMs, settle = async () => {}) => {
  const latencies = [];
  let sent = 0;
  const started = performance.now();
  while (performance.now() - started < durationMs) {
    const batch = events(BATCH, sent + 1);
    const t0 = performance.now();
    await sender.send(batch);
    latencies.push(performance.now() - t0);
    sent += BATCH;
  }
  await settle(sent);
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { sent, perSecond: sent / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
};

const startHecReceiver = async () => {
  let received = 0;
  const server = createServer((request, response) => {
    const chunks = [];
    request.on('data', (chunk) => chunks.push(chunk));
    request.on('end', () => {
      if (request.headers.authorization !== `Splunk ${TOKEN}`) {
        response.writeHead(403).end('{"text":"Invalid token","code":4}');
        return;
      }
      const body = Buffer.concat(chunks);
      const text = (request.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body).toString(
        'utf8',
      );
      received += text.split('\n').length;
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"text":"Success","code":0}');
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const close = defer('siem bench HEC receiver', async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  return { url: `http://127.0.0.1:${server.address().port}`, received: () => received, close };
};

const freePort = () =>
  new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });

const startRsyslog = async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cutoff-bench-rsyslog-'));
  const openssl = (...args) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  openssl(
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    'key.pem',
    '-out',
    'cert.pem',
    '-days',
    '1',
    '-subj',
    '/CN=127.0.0.1',
    '-addext',
    'subjectAltName=IP:127.0.0.1',
  );
  const port = await freePort();
  const out = join(dir, 'out.log');
  writeFileSync(
    join(dir, 'rsyslog.conf'),
    `global(workDirectory="${dir}" maxMessageSize="64k" DefaultNetstreamDriver="gtls"
       DefaultNetstreamDriverCAFile="${dir}/cert.pem" DefaultNetstreamDriverCertFile="${dir}/cert.pem"
       DefaultNetstreamDriverKeyFile="${dir}/key.pem")
module(load="imtcp" StreamDriver.Name="gtls" StreamDriver.Mode="1" StreamDriver.AuthMode="anon")
input(type="imtcp" port="${port}" address="127.0.0.1")
template(name="raw" type="string" string="%rawmsg%\\n")
action(type="omfile" file="${out}" template="raw")
`,
  );
  const child = spawn('/usr/sbin/rsyslogd', ['-n', '-f', join(dir, 'rsyslog.conf'), '-i', join(dir, 'pid')], {
    stdio: 'ignore',
  });
  const close = defer('siem bench rsyslog', async () => {
    if (child.exitCode === null) {
      await new Promise((resolve) => {
        child.once('exit', resolve);
        child.kill('SIGTERM');
      });
    }
    rmSync(dir, { recursive: true, force: true });
  });
  for (let tries = 0; ; tries += 1) {
    const up = await new Promise((resolve) => {
      const socket = net.connect({ host: '127.0.0.1', port }, () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
    if (up) break;
    if (tries > 400) throw new Error('rsyslogd did not start');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  const written = () => (existsSync(out) ? readFileSync(out, 'utf8').split('\n').length - 1 : 0);
  return { port, ca: readFileSync(join(dir, 'cert.pem'), 'utf8'), written, close };
};

const hecRun = async (env, gzip) => {
  const receiver = await startHecReceiver();
  const parsed = parseSplunkHecConfig({ url: receiver.url, token: TOKEN, gzip });
  const sender = new SplunkHecSender(parsed.config);
  try {
    const warm = await drive(sender, 300);
    const run = await drive(sender, env.options.durationMs);
    // Every event the sender reported delivered reached the receiver.
    const missing = warm.sent + run.sent - receiver.received();
    return makeResult({
      ...base,
      backend: 'memory',
      subject: `Splunk HEC sender${gzip ? ', gzip' : ''} → local HEC receiver`,
      value: run.perSecond,
      unit: 'events/s',
      p50Ms: run.p50,
      p99Ms: run.p99,
      requests: run.sent / BATCH,
      errors: Math.abs(missing),
      notes: `batches of ${BATCH}; p50/p99 per batch`,
    });
  } finally {
    await sender.close();
    await receiver.close();
  }
};

const syslogRun = async (env) => {
  if (!existsSync('/usr/sbin/rsyslogd'))
    throw new Error('rsyslogd missing: apt-get install -y rsyslog rsyslog-gnutls');
  const rsyslog = await startRsyslog();
  const parsed = parseSyslogConfig({ host: '127.0.0.1', port: rsyslog.port, ca: rsyslog.ca });
  const sender = new SyslogSender(parsed.config);
  try {
    const warm = await drive(sender, 300);
    // Counted until rsyslog has written every event to its file, not only until our writes flush.
    const settle = async (sent) => {
      const deadline = Date.now() + 60_000;
      while (rsyslog.written() < warm.sent + sent && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 10));
    };
    const run = await drive(sender, env.options.durationMs, settle);
    const missing = warm.sent + run.sent - rsyslog.written();
    return makeResult({
      ...base,
      backend: 'memory',
      subject: 'syslog sender (TLS, octet-counted) → rsyslog → file',
      value: run.perSecond,
      unit: 'events/s',
      p50Ms: run.p50,
      p99Ms: run.p99,
      requests: run.sent / BATCH,
      errors: Math.max(0, missing),
      notes: `batches of ${BATCH}; until rsyslog wrote all; p50/p99 per batch write+flush`,
    });
  } finally {
    await sender.close();
    await rsyslog.close();
  }
};

export default {
  id: 'siem-senders',
  title: 'SIEM senders: events per second',
  about:
    'The Splunk HEC and syslog senders alone, on 127.0.0.1, in batches of 100 audit events of ' +
    '~600 bytes: HEC to a local receiver that checks the token and counts events (Splunk cannot ' +
    'run here), syslog over TLS to a real rsyslog writing every message to a file (timed until ' +
    'rsyslog has written the last one). No targets: the delivery engine and the store bound ' +
    'real throughput.',
  run: async (env) => [await hecRun(env, false), await hecRun(env, true), await syslogRun(env)],
};
