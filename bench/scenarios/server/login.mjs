import { performance } from 'node:perf_hooks';
import { hash, verify } from '@node-rs/argon2';
import { withHostedCutoff } from '../../lib/cutoff-server.mjs';
import { BENCH_PASSWORD, createUsers, forEachBackend } from '../../lib/fixtures.mjs';
import { runLoad } from '../../lib/load.mjs';
import { fmt, loadResult, makeResult } from '../../lib/result.mjs';

const USERS = 200;
const CONCURRENCY = 16;
/** The server's argon2id parameters (OWASP baseline), to measure the ceiling login cannot beat. */
const ARGON2 = { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 };

const base = { group: 'server', scenario: 'login' };

/** Raw argon2id verifications per second on this machine, as many in flight as the login run. */
const argon2Ceiling = async (durationMs) => {
  const stored = await hash(BENCH_PASSWORD, ARGON2);
  let done = 0;
  const startedAt = performance.now();
  const deadline = startedAt + durationMs;
  const lane = async () => {
    while (performance.now() < deadline) {
      if (!(await verify(stored, BENCH_PASSWORD))) throw new Error('argon2 verify failed');
      done++;
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, lane));
  return (done / (performance.now() - startedAt)) * 1000;
};

export default {
  id: 'login',
  title: 'Login throughput',
  about:
    `\`POST /v1/auth/login\` (password, no TOTP) by ${CONCURRENCY} concurrent clients cycling over ${USERS} users ` +
    'created through `POST /v1/users`. Every login verifies an argon2id hash (19 MiB, t=2), creates a ' +
    'session and a refresh token and appends two audit events in one transaction, and signs an RS256 ' +
    'access token. The ceiling is the raw argon2id verification rate of this machine (same parameters, as ' +
    'many in flight), measured before and after the logins.',
  async run(env) {
    const results = [];
    const ceilingMs = Math.min(3_000, env.options.durationMs);
    const before = await argon2Ceiling(ceilingMs);
    results.push(
      ...(await forEachBackend(env, base, (backend) =>
        withHostedCutoff(backend, env.options, async ({ origin, server }) => {
          const usernames = await createUsers(origin, USERS);
          const load = await runLoad({
            origin,
            server,
            generator: 'login',
            data: { usernames, password: BENCH_PASSWORD },
            durationMs: env.options.durationMs,
            warmupMs: env.options.warmupMs,
            concurrency: CONCURRENCY,
            connections: CONCURRENCY,
            pipelining: 1,
          });
          env.log(
            `  ${backend}: ${fmt(load.rps)} logins/s, p99 ${fmt(load.p99Ms)} ms, errors ${load.errors}`,
          );
          return [loadResult({ ...base, backend, subject: 'Cutoff POST /v1/auth/login' }, load)];
        }),
      )),
    );
    // Measured before and after the logins; the better of the two is the ceiling (the other one
    // was slowed down by something else on the machine).
    const ceiling = Math.max(before, await argon2Ceiling(ceilingMs));
    env.log(`  raw argon2id verify: ${fmt(ceiling)}/s`);
    for (const result of results) {
      if (result.value !== null)
        result.notes = [result.notes, `${fmt((result.value / ceiling) * 100)} % of the raw argon2id rate`]
          .filter(Boolean)
          .join('; ');
    }
    results.unshift(
      makeResult({
        ...base,
        backend: 'none',
        subject: 'raw argon2id verify (the ceiling, best of before/after)',
        value: ceiling,
        unit: 'verify/s',
      }),
    );
    return results;
  },
  interpret: (results) => {
    const ceiling = results.find((result) => result.backend === 'none')?.value;
    return (
      'Login is bound by argon2id by design: each verification costs ~19 MiB and two passes, and runs on ' +
      "libuv's thread pool, so it scales with cores, not with the event loop. " +
      (ceiling === undefined
        ? ''
        : `This machine verifies ~${fmt(ceiling)} hashes/s at most; the login rate above is that ceiling ` +
          'minus the session transaction, the RS256 signature and HTTP. ') +
      'On PostgreSQL the session transaction appends two audit events under the append lock, held ' +
      "across network round trips, while argon2 keeps both cores busy and PostgreSQL's own processes " +
      'compete for the same CPU. ' +
      'Failed logins cost the same (a dummy hash is verified for unknown users), so a password-spraying ' +
      'attacker cannot go faster than this either; the per-username-and-address rate limit stops them first.'
    );
  },
};
