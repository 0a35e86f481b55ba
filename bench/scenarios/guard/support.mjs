import process from 'node:process';
import { createGuard } from '../../../packages/guard/dist/index.js';
import { defer } from '../../lib/cleanup.mjs';
import { startCutoff } from '../../lib/cutoff-server.mjs';
import { createApiKey, createUsers, loginMany } from '../../lib/fixtures.mjs';
import { guardOptions } from './guard-options.mjs';

/** Shared setup of the guard scenarios: a real server, a feed key, tokens from real logins. */

export { AUDIENCE, benchLogger, guardOptions } from './guard-options.mjs';

/** A guard connected to `origin`, ready (snapshot loaded), closed at the end of the scenario. */
export const startGuard = async (origin, feedApiKey, app) => {
  const guard = createGuard(guardOptions(origin, feedApiKey, app));
  const close = defer(`guard ${app}`, () => guard.close());
  await guard.ready;
  return { guard, close };
};

/**
 * A SQLite-backed server (the store does not take part in what the guard scenarios measure),
 * a `feed:read` key, and `tokenCount` access tokens from real logins of users in a few groups
 * and roles (the claims a guard sees in production).
 */
export const startIssuingServer = async (env, { tokenCount, users = 4, overrides } = {}) => {
  const cutoff = await startCutoff('sqlite', env.options, overrides);
  const feedKey = await createApiKey(cutoff.origin, 'bench-guard-feed', ['feed:read']);
  const usernames = await createUsers(cutoff.origin, users, {
    prefix: 'bench-guard',
    groups: ['eng', 'staff', 'vpn'],
    roles: ['employee', 'developer'],
  });
  const answers = tokenCount > 0 ? await loginMany(cutoff.origin, usernames, tokenCount) : [];
  return { cutoff, feedKey, usernames, tokens: answers.map((answer) => answer.access_token) };
};

/** `startIssuingServer` as a target host runs it (hosted-target.mjs): the server stays there. */
export const startIssuingServerInHost = async (options, settings) => {
  const { cutoff, feedKey, usernames, tokens } = await startIssuingServer({ options }, settings);
  return { origin: cutoff.origin, feedKey, usernames, tokens, close: cutoff.close };
};

/** Nearest-rank percentile of an ascending array. */
export const percentile = (sorted, p) =>
  sorted.length === 0
    ? null
    : sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];

export const ascending = (values) => [...values].sort((a, b) => a - b);

export const medianOf = (values) => percentile(ascending(values), 50);

/** Nanoseconds elapsed since `start` (a `process.hrtime.bigint()` reading), as a Number. */
export const nsSince = (start) => Number(process.hrtime.bigint() - start);
