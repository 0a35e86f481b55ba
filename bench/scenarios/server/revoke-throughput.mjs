import { randomBytes } from 'node:crypto';
import { withHostedCutoff } from '../../lib/cutoff-server.mjs';
import { createApiKey, forEachBackend } from '../../lib/fixtures.mjs';
import { runLoad } from '../../lib/load.mjs';
import { fmt, loadResult } from '../../lib/result.mjs';

const CONCURRENCY = 32;
const base = { group: 'server', scenario: 'revoke-throughput' };

export default {
  id: 'revoke-throughput',
  title: 'Revocation throughput (token entries)',
  about:
    `\`POST /v1/revocations\` of \`{type: "token", id: <jti>}\` entries, a new jti per request, by ${CONCURRENCY} ` +
    'concurrent clients with an `admin`-scope API key. Each call commits the feed entry and its ' +
    'hash-chained audit event in one transaction before it answers, then fans the entry out to the ' +
    'in-memory revocation index and the feed.',
  async run(env) {
    return forEachBackend(env, base, (backend) =>
      withHostedCutoff(backend, env.options, async ({ origin, server }) => {
        const key = await createApiKey(origin, 'bench-revoker', ['admin']);
        const load = await runLoad({
          origin,
          server,
          generator: 'revoke-token',
          data: { authorization: `Bearer ${key}`, prefix: `at_bench_${randomBytes(6).toString('hex')}_` },
          durationMs: env.options.durationMs,
          warmupMs: env.options.warmupMs,
          concurrency: CONCURRENCY,
          connections: CONCURRENCY,
          pipelining: 1,
        });
        env.log(
          `  ${backend}: ${fmt(load.rps)} revocations/s, p99 ${fmt(load.p99Ms)} ms, errors ${load.errors}`,
        );
        return [loadResult({ ...base, backend, subject: 'Cutoff POST /v1/revocations (token)' }, load)];
      }),
    );
  },
  interpret: () =>
    'Revocations are serialized on purpose: the feed `seq` must follow commit order and every audit ' +
    "event hashes its predecessor, so appends take the store's append lock (a transaction-scoped " +
    'advisory lock on PostgreSQL; SQLite has a single writer anyway). Each call is a transaction of ' +
    'five statements (lock, insert of the entry, read of the last audit event, insert of the audit ' +
    'event, commit) plus the SHA-256 of the audit chain, then an in-memory fan-out to the revocation ' +
    'index and the feed. On SQLite that is event-loop work (see "event loop busy"), like the refresh ' +
    'grant: ~20–35 µs per statement through Kysely and better-sqlite3, plus Fastify. On PostgreSQL the ' +
    'lock is held across the network round trips of the later statements, so the rate is one ' +
    'round-trip chain at a time. Real revocation traffic is orders of magnitude lower than either; ' +
    'what matters for a cutoff is how fast one big revocation lands, the next scenario.',
};
