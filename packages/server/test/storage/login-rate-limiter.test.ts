import { afterAll, describe, expect, it } from 'vitest';
import { createLoginRateLimiter } from '../../src/use-cases/auth/login-rate-limiter.js';
import { kyselyOf, testStores } from '../support/stores.js';

const stores = testStores('sqlite');
afterAll(() => stores.dispose());

/** A limiter over a real, fresh store; windows of 60 s start at multiples of 60,000 ms. */
const limiterOf = async (maxFailures: number) => {
  const store = await stores.create();
  return { store, limiter: createLoginRateLimiter(store.loginFailures, maxFailures, 60) };
};

describe('login rate limiter', () => {
  it('blocks a username+address after N failures for the rest of the window, then lets it try again', async () => {
    const { limiter } = await limiterOf(3);
    for (let i = 0; i < 3; i += 1) await limiter.recordFailure('Alice', '1.2.3.4', 1_000);
    expect(await limiter.retryAfterSeconds('alice', '1.2.3.4', 2_000)).toBe(58);
    expect(await limiter.retryAfterSeconds('alice', '5.6.7.8', 2_000)).toBe(0);
    expect(await limiter.retryAfterSeconds('bob', '1.2.3.4', 2_000)).toBe(0);
    expect(await limiter.retryAfterSeconds('alice', '1.2.3.4', 60_000)).toBe(0);
  });

  it('blocks an address that fails across many usernames (5x the per-username limit)', async () => {
    const { limiter } = await limiterOf(2);
    for (let i = 0; i < 9; i += 1) await limiter.recordFailure(`user${i}`, '9.9.9.9', 0);
    expect(await limiter.retryAfterSeconds('fresh-user', '9.9.9.9', 0)).toBe(0);
    await limiter.recordFailure('user9', '9.9.9.9', 0);
    expect(await limiter.retryAfterSeconds('fresh-user', '9.9.9.9', 0)).toBe(60);
    expect(await limiter.retryAfterSeconds('fresh-user', '9.9.9.10', 0)).toBe(0);
  });

  it('a success clears the username+address counter, not the address one', async () => {
    const { limiter } = await limiterOf(2);
    await limiter.recordFailure('bob', 'ip', 0);
    await limiter.recordSuccess('bob', 'ip', 0);
    await limiter.recordFailure('bob', 'ip', 0);
    expect(await limiter.retryAfterSeconds('bob', 'ip', 0)).toBe(0);
  });

  it('counts concurrent failures exactly, and forgets past windows', async () => {
    const { store, limiter } = await limiterOf(20);
    await Promise.all(Array.from({ length: 20 }, () => limiter.recordFailure('carol', 'ip', 5_000)));
    expect(await limiter.retryAfterSeconds('carol', 'ip', 5_000)).toBe(55);
    // The first failure of a later window prunes the earlier windows' counters.
    await limiter.recordFailure('dave', 'ip2', 125_000);
    expect(await store.loginFailures.pruneBefore(new Date(120_000))).toBe(0);
    expect(await limiter.retryAfterSeconds('carol', 'ip', 125_000)).toBe(0);
  });

  it('stores no username or address, only digests', async () => {
    const { store, limiter } = await limiterOf(3);
    await limiter.recordFailure('erin@example.com', '203.0.113.7', 0);
    const rows = JSON.stringify(await kyselyOf(store).selectFrom('login_failures').selectAll().execute());
    expect(rows).not.toContain('erin');
    expect(rows).not.toContain('203.0.113.7');
    expect(JSON.parse(rows)).toHaveLength(2);
  });
});
