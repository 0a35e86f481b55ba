import { randomBytes } from 'node:crypto';
import { adminHeaders } from './cutoff-server.mjs';
import { call, mapLimit } from './http.mjs';
import { failedResult } from './result.mjs';

/** Setup through the public HTTP API, as an operator would do it. */

export const BENCH_PASSWORD = `bench-${randomBytes(12).toString('base64url')}`;

/** Creates `count` users (argon2id hashing each password); resolves to their usernames. */
export const createUsers = (origin, count, { prefix = 'bench-user', groups = [], roles = [] } = {}) =>
  mapLimit(
    Array.from({ length: count }, (_, index) => `${prefix}-${index}`),
    4,
    async (username) => {
      await call(origin, 'POST', '/v1/users', {
        json: { username, password: BENCH_PASSWORD, groups, roles },
        headers: adminHeaders,
        expect: [201],
      });
      return username;
    },
  );

/** `count` logins (one session each), spread over `usernames`; resolves to the token responses. */
export const loginMany = (origin, usernames, count) =>
  mapLimit(Array.from({ length: count }), 8, async (_, index) => {
    const { body } = await call(origin, 'POST', '/v1/auth/login', {
      json: { username: usernames[index % usernames.length], password: BENCH_PASSWORD },
    });
    return body;
  });

/** A scoped API key through POST /v1/api-keys with the admin key; resolves to the key. */
export const createApiKey = async (origin, name, scopes) => {
  const { body } = await call(origin, 'POST', '/v1/api-keys', {
    json: { name, scopes },
    headers: adminHeaders,
    expect: [201],
  });
  return body.key;
};

/**
 * Runs `fn(backend)` for every selected backend. A backend that is unavailable or throws becomes
 * a failed result (never a silent skip); the others still run.
 */
export const forEachBackend = async (env, base, fn) => {
  const results = [];
  for (const backend of env.options.backends) {
    const unavailable = env.unavailable[backend];
    if (unavailable !== undefined) {
      results.push(failedResult({ ...base, backend }, `${backend} unavailable: ${unavailable}`));
      continue;
    }
    try {
      results.push(...(await fn(backend)));
    } catch (error) {
      env.log(`  ${backend}: FAILED: ${error instanceof Error ? (error.stack ?? error.message) : error}`);
      results.push(failedResult({ ...base, backend }, error));
    }
    globalThis.gc?.();
  }
  return results;
};
