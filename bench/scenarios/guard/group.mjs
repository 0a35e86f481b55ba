import check from './check.mjs';
import propagation from './propagation.mjs';
import route from './route.mjs';
import verify from './verify.mjs';

/** The `guard` group of bench/run.mjs. */
export default {
  id: 'guard',
  title: 'Guard (`@cutoff/guard`)',
  intro:
    'The guard as it runs inside an app, imported from the built `packages/guard/dist`, connected ' +
    'to a real Cutoff server (SQLite store, RS256 tokens from real logins) on 127.0.0.1. Targets: ' +
    'the revocation check < 100 ns at 10,000 live entries and < 1 µs at 1,000,000, with < 200 bytes ' +
    'of heap per live entry; a Fastify route protected by `fastifyGuard` serves ≥ 80 % of the ' +
    'requests/s of the same route unprotected; a revoked token is rejected by 50 guards with p99 ' +
    '< 100 ms after the revoke call returns. Verification with the cache is compared with bare ' +
    '`jose` and reported with its first-time cost, and the protected route with a Redis lookup and ' +
    'with introspection per request; those have no target.',
  scenarios: [check, verify, route, propagation],
};
