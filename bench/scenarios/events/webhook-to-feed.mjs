import process from 'node:process';
import { createHmac, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clearTimeout, setTimeout } from 'node:timers';
import { URL } from 'node:url';
import { Pool } from 'undici';
import { defer } from '../../lib/cleanup.mjs';
import { withCutoff } from '../../lib/cutoff-server.mjs';
import { createApiKey, forEachBackend } from '../../lib/fixtures.mjs';
import { atMost, fmt, makeResult } from '../../lib/result.mjs';
import { benchSession, benchUser, seedInBulk } from '../../lib/seed.mjs';

/** Terminations timed (one fresh user each), after one untimed warm-up termination. */
const ITERATIONS = 30;
const SESSIONS_PER_USER = 10;
const SOURCE = 'workday';
const base = { group: 'events', scenario: 'webhook-to-feed' };

/** The Workday source of docs/webhooks.md (HR: worker terminated), with its secret in the file. */
const hooksFile = (secret) => ({
  sources: {
    [SOURCE]: {
      secret,
      eventId: { path: 'eventId' },
      events: [
        {
          name: 'worker-terminated',
          when: [
            { path: 'businessProcess.type', equals: 'Termination' },
            { path: 'businessProcess.status', equals: 'Successfully Completed' },
          ],
          action: 'revoke_user',
          user: { path: 'worker.employeeId', by: 'external_id' },
          reason: 'offboarding',
          deactivate: true,
        },
      ],
    },
  },
});

/** A temporary hooks file, deleted at the end. */
const writeHooksFile = async (secret) => {
  const dir = await mkdtemp(join(tmpdir(), 'cutoff-bench-hooks-'));
  const remove = defer(`hooks dir ${dir}`, () => rm(dir, { recursive: true, force: true }));
  const path = join(dir, 'hooks.json');
  await writeFile(path, JSON.stringify(hooksFile(secret)), { mode: 0o600 });
  return { path, remove };
};

/**
 * A subscription to `/v1/revocations/stream`: `next(kind, key)` resolves to the
 * `process.hrtime.bigint()` reading taken when that entry's event was parsed.
 */
const subscribe = (origin, feedKey) =>
  new Promise((resolve, reject) => {
    const waiters = new Map();
    const seen = new Map();
    let buffer = '';
    const onEvent = (block) => {
      const at = process.hrtime.bigint();
      let event = 'message';
      let data = '';
      for (const line of block.split('\n')) {
        if (line.startsWith('event:')) event = line.slice(6).trim();
        else if (line.startsWith('data:')) data += line.slice(5).trim();
      }
      if (event !== 'revocation') return;
      const entry = JSON.parse(data);
      const id = `${entry.kind}:${entry.key}`;
      const waiter = waiters.get(id);
      if (waiter === undefined) seen.set(id, at);
      else {
        waiters.delete(id);
        waiter(at);
      }
    };
    const req = httpRequest(new URL('/v1/revocations/stream', origin), {
      headers: { authorization: `Bearer ${feedKey}`, accept: 'text/event-stream' },
    });
    const close = defer('revocation stream subscription', () => req.destroy());
    req.on('error', reject);
    req.on('response', (res) => {
      if (res.statusCode !== 200) {
        reject(new Error(`stream answered ${res.statusCode}`));
        return;
      }
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        buffer += chunk;
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          onEvent(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
        }
      });
      resolve({
        next: (kind, key, timeoutMs) =>
          new Promise((resolveNext, rejectNext) => {
            const id = `${kind}:${key}`;
            const already = seen.get(id);
            if (already !== undefined) return resolveNext(already);
            const timer = setTimeout(() => {
              waiters.delete(id);
              rejectNext(new Error(`no ${kind} entry for ${key} on the stream within ${timeoutMs} ms`));
            }, timeoutMs);
            waiters.set(id, (at) => {
              clearTimeout(timer);
              resolveNext(at);
            });
          }),
        close,
      });
    });
    req.end();
  });

/** Users with `externalId`s (the HR employee id) and their sessions, bulk-seeded into the store. */
const seedUsers = async (store, count) => {
  const users = [];
  const sessions = [];
  const refreshTokens = [];
  const run = randomBytes(3).toString('hex');
  for (let index = 0; index < count; index++) {
    const user = {
      ...benchUser(`bench-hr-${run}-${index}`, { groups: ['staff'], roles: ['employee'] }),
      externalId: `WD-${run}-${index}`,
    };
    users.push(user);
    for (let session = 0; session < SESSIONS_PER_USER; session++) {
      const seeded = benchSession(user);
      sessions.push(seeded.session);
      refreshTokens.push(seeded.refreshToken);
    }
  }
  await seedInBulk(store, { users, sessions, refreshTokens });
  return users;
};

/** One signed termination; resolves to `{sentAt, answeredAt, body}` (hrtime readings). */
const terminate = async (pool, secret, user, eventId) => {
  const body = JSON.stringify({
    eventId,
    businessProcess: { type: 'Termination', status: 'Successfully Completed' },
    worker: { employeeId: user.externalId },
  });
  const t = Math.floor(Date.now() / 1000);
  const v1 = createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
  const sentAt = process.hrtime.bigint();
  const response = await pool.request({
    method: 'POST',
    path: `/v1/hooks/${SOURCE}`,
    headers: { 'content-type': 'application/json', 'cutoff-signature': `t=${t},v1=${v1}` },
    body,
  });
  const answer = await response.body.json();
  const answeredAt = process.hrtime.bigint();
  if (response.statusCode !== 200)
    throw new Error(`webhook answered ${response.statusCode}: ${JSON.stringify(answer).slice(0, 300)}`);
  return { sentAt, answeredAt, answer };
};

const msBetween = (from, to) => Number(to - from) / 1e6;

const percentile = (sorted, p) =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];

export default {
  id: 'webhook-to-feed',
  title: 'HR termination webhook to the revocation feed',
  about:
    `A real server with a hooks file holding the Workday source of [webhooks.md](webhooks.md) ` +
    '(`worker-terminated` → `revoke_user` by `external_id`, `deactivate: true`). ' +
    `${ITERATIONS + 1} users, each with an HR employee id and ${SESSIONS_PER_USER} active sessions ` +
    '(bulk-seeded into the store, each session with a refresh token). A subscriber holds ' +
    '`GET /v1/revocations/stream` open with a `feed:read` key. Then, for each user in turn, a signed ' +
    '(`Cutoff-Signature`, HMAC-SHA256) termination event is posted and timed from sending the ' +
    'request to the `user` entry for that user arriving on the stream (`process.hrtime.bigint()`, ' +
    'subscriber and server in the bench process). The first termination after start is a warm-up, ' +
    `reported in the notes but not counted; the other ${ITERATIONS} are. Each answer must report ` +
    `${SESSIONS_PER_USER} sessions revoked.`,
  async run(env) {
    return forEachBackend(env, base, async (backend) => {
      const secret = randomBytes(32).toString('base64url');
      const hooks = await writeHooksFile(secret);
      try {
        return await withCutoff(
          backend,
          env.options,
          async ({ origin, store }) => {
            const users = await seedUsers(store, ITERATIONS + 1);
            const feedKey = await createApiKey(origin, 'bench-events-feed', ['feed:read']);
            const stream = await subscribe(origin, feedKey);
            const pool = new Pool(origin, { connections: 1 });
            const closePool = defer('webhook client', () => pool.close());
            try {
              const run = randomBytes(4).toString('hex');
              const timings = [];
              let wrongCounts = 0;
              for (const [index, user] of users.entries()) {
                const arrived = stream.next('user', user.id, 5_000);
                const { sentAt, answeredAt, answer } = await terminate(
                  pool,
                  secret,
                  user,
                  `wd-evt-${run}-${index}`,
                );
                const arrivedAt = await arrived;
                if (answer.revocation?.sessions_revoked !== SESSIONS_PER_USER) wrongCounts++;
                timings.push({
                  toFeed: msBetween(sentAt, arrivedAt),
                  toAnswer: msBetween(sentAt, answeredAt),
                });
              }
              const [warmUp, ...timed] = timings;
              const toFeed = timed.map((timing) => timing.toFeed).sort((a, b) => a - b);
              const toAnswer = timed.map((timing) => timing.toAnswer).sort((a, b) => a - b);
              const p50 = percentile(toFeed, 50);
              const p99 = percentile(toFeed, 99);
              env.log(
                `  ${backend}: webhook → feed p50 ${fmt(p50)} ms, p99 ${fmt(p99)} ms ` +
                  `(warm-up ${fmt(warmUp.toFeed)} ms)`,
              );
              return [
                makeResult({
                  ...base,
                  backend,
                  subject: `signed termination webhook → user entry on the stream (median of ${ITERATIONS})`,
                  value: p50,
                  unit: 'ms',
                  p50Ms: p50,
                  p99Ms: p99,
                  requests: timed.length,
                  errors: wrongCounts,
                  target: atMost(50, 'ms', '< 50 ms'),
                  notes:
                    `worst ${fmt(toFeed.at(-1))} ms; the webhook's own answer: p50 ` +
                    `${fmt(percentile(toAnswer, 50))} ms, p99 ${fmt(percentile(toAnswer, 99))} ms; ` +
                    `first termination after start (not counted) ${fmt(warmUp.toFeed)} ms` +
                    (wrongCounts > 0 ? `; WRONG sessions_revoked in ${wrongCounts} answers` : ''),
                }),
              ];
            } finally {
              await closePool();
              await stream.close();
            }
          },
          { hooksFile: hooks.path },
        );
      } finally {
        await hooks.remove();
      }
    });
  },
  interpret: (results) => {
    const missed = results.some((result) => result.pass === false);
    return [
      'One webhook is: the signature check (HMAC-SHA256, constant-time compare), the mapping, the ' +
        'user lookup by `external_id` (indexed), and one store transaction with the event id (replay ' +
        'protection), the session and refresh-token revocation, the deactivation, the feed entry and ' +
        'the audit events. After the commit the entry goes to the in-memory feed hub, which writes it ' +
        'to every open stream before the webhook is answered, so the entry usually reaches a ' +
        'subscriber about when the sender gets its 200.',
      missed
        ? '**Target missed (median < 50 ms).** The time is dominated by the transaction; see the ' +
          'revocation scenarios of the server group for what bounds it on each store.'
        : '',
    ]
      .filter(Boolean)
      .join('\n\n');
  },
};
