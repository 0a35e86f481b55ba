import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { performance } from 'node:perf_hooks';
import { Buffer } from 'node:buffer';
import { setTimeout } from 'node:timers';
import { join } from 'node:path';
import { defer } from '../../lib/cleanup.mjs';
import { adminHeaders, withCutoff } from '../../lib/cutoff-server.mjs';
import { forEachBackend } from '../../lib/fixtures.mjs';
import { call } from '../../lib/http.mjs';
import { fmt, makeResult } from '../../lib/result.mjs';

const EVENTS = 5000;
const DELAY_SAMPLES = 50;
const SECRET = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
const base = { group: 'destinations', scenario: 'destination-delivery' };

const percentile = (sorted, p) => sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)];

/** A receiver that counts events and tells waiters when a seq arrives. */
const startReceiver = async () => {
  const arrivals = new Map();
  const waiters = new Map();
  const server = createServer((request, response) => {
    const chunks = [];
    request.on('data', (chunk) => chunks.push(chunk));
    request.on('end', () => {
      const now = performance.now();
      for (const event of JSON.parse(Buffer.concat(chunks).toString('utf8'))) {
        arrivals.set(event.data.seq, now);
        waiters.get(event.data.seq)?.(now);
      }
      response.end();
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const close = defer('destination bench receiver', async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  return {
    url: `http://127.0.0.1:${server.address().port}/hooks`,
    arrivals,
    arrived: (seq) =>
      arrivals.has(seq)
        ? Promise.resolve(arrivals.get(seq))
        : new Promise((resolve) => waiters.set(seq, resolve)),
    close,
  };
};

const seedEvents = async (store, count) => {
  for (let i = 0; i < count; i++)
    await store.audit.append({
      ts: new Date(),
      action: 'bench.event',
      actor: { type: 'system', id: 'bench' },
      target: { type: 'bench', id: String(i) },
      reason: null,
      counts: { sessions: i },
      request: { ip: '127.0.0.1', user_agent: 'bench' },
      details: { note: 'an audit event of ordinary size for the delivery bench' },
    });
};

const waitCaughtUp = async (origin, name) => {
  for (;;) {
    const { body } = await call(origin, 'GET', `/v1/destinations/${name}`, { headers: adminHeaders });
    if (body.status.lag_events === 0) return body.status.head_seq;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
};

export default {
  id: 'destination-delivery',
  title: 'Events per second through `http` and `file`, and revocation → receiver delay',
  about:
    `${EVENTS} audit events already in the trail, then a new destination (batches of 100) drains ` +
    `them: events per second from the PUT until the cursor reaches the head. Then, caught up, ` +
    `${DELAY_SAMPLES} user revocations one after another: the time from sending the revoke call ` +
    `to the receiver holding its audit event (the commit wakes the worker; no poll involved).`,
  run: (env) =>
    forEachBackend(env, base, async (backend) => {
      const fileDir = await mkdtemp(join(tmpdir(), 'cutoff-bench-destinations-'));
      try {
        return await withCutoff(
          backend,
          env.options,
          async ({ origin, store }) => {
            await seedEvents(store, EVENTS);
            const receiver = await startReceiver();
            try {
              const results = [];
              // http: from the PUT to the last event at the receiver.
              let started = performance.now();
              await call(origin, 'PUT', '/v1/destinations/bench-http', {
                json: { type: 'http', url: receiver.url, secret: SECRET, batch_size: 100 },
                headers: adminHeaders,
                expect: [201],
              });
              const head = await waitCaughtUp(origin, 'bench-http');
              const httpRate = (head / (performance.now() - started)) * 1000;
              // file: from the PUT to the cursor at the head (every batch fsynced).
              started = performance.now();
              await call(origin, 'PUT', '/v1/destinations/bench-file', {
                json: { type: 'file', path: 'bench.jsonl', batch_size: 100 },
                headers: adminHeaders,
                expect: [201],
              });
              const fileHead = await waitCaughtUp(origin, 'bench-file');
              const fileRate = (fileHead / (performance.now() - started)) * 1000;
              await call(origin, 'DELETE', '/v1/destinations/bench-file', {
                headers: adminHeaders,
                expect: [204],
              });

              const delays = [];
              for (let i = 0; i < DELAY_SAMPLES; i++) {
                const { body: user } = await call(origin, 'POST', '/v1/users', {
                  json: { username: `bench-dest-${i}`, roles: [], groups: [] },
                  headers: adminHeaders,
                  expect: [201],
                });
                const userHead = await waitCaughtUp(origin, 'bench-http');
                const sent = performance.now();
                await call(origin, 'POST', '/v1/revocations', {
                  json: { target: { type: 'user', id: user.id }, reason: 'offboarding' },
                  headers: adminHeaders,
                  expect: [201],
                });
                delays.push((await receiver.arrived(userHead + 1)) - sent);
              }
              delays.sort((a, b) => a - b);
              env.log(
                `  ${backend}: http ${fmt(httpRate)} events/s, file ${fmt(fileRate)} events/s; revoke → receiver p50 ${fmt(percentile(delays, 50))} ms, p99 ${fmt(percentile(delays, 99))} ms`,
              );
              results.push(
                makeResult({
                  ...base,
                  backend,
                  subject: `http destination, ${head} events in batches of 100`,
                  value: httpRate,
                  unit: 'events/s',
                  requests: head,
                  errors: 0,
                  notes: 'signed per Standard Webhooks; one POST per batch, cursor moved per batch',
                }),
                makeResult({
                  ...base,
                  backend,
                  subject: `file destination, ${fileHead} events in batches of 100`,
                  value: fileRate,
                  unit: 'events/s',
                  requests: fileHead,
                  errors: 0,
                  notes: 'append + fsync per batch',
                }),
                makeResult({
                  ...base,
                  backend,
                  subject: `revoke call sent → its audit event at the http receiver (${DELAY_SAMPLES} revocations)`,
                  value: percentile(delays, 50),
                  unit: 'ms',
                  p50Ms: percentile(delays, 50),
                  p99Ms: percentile(delays, 99),
                  requests: delays.length,
                  errors: 0,
                  notes: `worst ${fmt(delays.at(-1))} ms; includes the revoke call itself`,
                }),
              );
              return results;
            } finally {
              await receiver.close();
            }
          },
          { canaryIntervalSeconds: 0, destinationFileDir: fileDir },
        );
      } finally {
        await rm(fileDir, { recursive: true, force: true });
      }
    }),
  interpret: () =>
    'Throughput is bounded by one batch in flight per destination (order is per destination): a ' +
    'read of 100 events, one send and one fenced cursor write per batch; `file` adds an fsync per ' +
    'batch. The delay figure is what a SIEM sees after a revocation: the revoke transaction, the ' +
    'in-process wake-up, a read of the trail and one HTTP round trip.',
};
