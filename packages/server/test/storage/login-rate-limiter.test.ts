import { afterAll, describe, expect, it } from 'vitest';
import { createLoginRateLimiter } from '../../src/use-cases/auth/login-rate-limiter.js';
import { kyselyOf, testStores } from '../support/stores.js';

const stores = testStores('sqlite');
afterAll(() => stores.dispose());

/** A limiter over a real, fresh store; windows of 60 s start at multiples of 60,000 ms. */
const limiterOf = async (maxFailures: number) => {
  const store = await stores.create();
  return { store, limiter: createLoginRateLimiter(store, maxFailures, 60) };
};

describe('login rate limiter', () => {
  // Windows of 60 s are counted in slots of 12 s: a check sums the current slot and the 5 before it.

  it('blocks a username+address after N failures until they have aged out, then lets it try again', async () => {
    const { limiter } = await limiterOf(3);
    for (let i = 0; i < 3; i += 1) await limiter.recordFailure('Alice', '1.2.3.4', 1_000);
    // The failures sit in the slot [0, 12 s): counted until the check at 72 s.
    expect(await limiter.retryAfterSeconds('alice', '1.2.3.4', 2_000)).toBe(70);
    expect(await limiter.retryAfterSeconds('alice', '5.6.7.8', 2_000)).toBe(0);
    expect(await limiter.retryAfterSeconds('bob', '1.2.3.4', 2_000)).toBe(0);
    expect(await limiter.retryAfterSeconds('alice', '1.2.3.4', 71_999)).toBe(1);
    expect(await limiter.retryAfterSeconds('alice', '1.2.3.4', 72_000)).toBe(0);
  });

  it('never lets more than the limit through in any window-long interval, across window boundaries', async () => {
    const { limiter } = await limiterOf(5);
    // An attacker spends the limit at the end of one minute and tries again right after it: a fixed
    // window would have allowed 5 more at once.
    for (let i = 0; i < 5; i += 1) await limiter.recordFailure('mallory', 'ip', 59_000);
    for (const at of [60_000, 61_000, 90_000, 118_000]) {
      expect(await limiter.retryAfterSeconds('mallory', 'ip', at), `at ${at}`).toBeGreaterThan(0);
    }
    // Simulated attempts, one per second for five minutes, each made only when allowed.
    const allowedAt: number[] = [];
    for (let at = 120_000; at < 420_000; at += 1_000) {
      if ((await limiter.retryAfterSeconds('mallory', 'ip', at)) > 0) continue;
      allowedAt.push(at);
      await limiter.recordFailure('mallory', 'ip', at);
    }
    const all = [...Array.from({ length: 5 }, () => 59_000), ...allowedAt];
    for (const start of all) {
      const inWindow = all.filter((at) => at >= start && at < start + 60_000);
      expect(inWindow.length, `60 s from ${start}`).toBeLessThanOrEqual(5);
    }
    expect(allowedAt.length).toBeGreaterThan(0);
  });

  it('blocks an address that fails across many usernames (5x the per-username limit)', async () => {
    const { limiter } = await limiterOf(2);
    for (let i = 0; i < 9; i += 1) await limiter.recordFailure(`user${i}`, '9.9.9.9', 0);
    expect(await limiter.retryAfterSeconds('fresh-user', '9.9.9.9', 0)).toBe(0);
    await limiter.recordFailure('user9', '9.9.9.9', 0);
    expect(await limiter.retryAfterSeconds('fresh-user', '9.9.9.9', 0)).toBe(72);
    expect(await limiter.retryAfterSeconds('fresh-user', '9.9.9.10', 0)).toBe(0);
  });

  it('a success clears the username+address counters, not the address ones', async () => {
    const { limiter } = await limiterOf(2);
    await limiter.recordFailure('bob', 'ip', 0);
    await limiter.recordFailure('bob', 'ip', 30_000);
    await limiter.recordSuccess('bob', 'ip', 40_000);
    await limiter.recordFailure('bob', 'ip', 40_000);
    expect(await limiter.retryAfterSeconds('bob', 'ip', 40_000)).toBe(0);
  });

  it('counts concurrent failures exactly, and forgets slots no check counts any more', async () => {
    const { store, limiter } = await limiterOf(20);
    await Promise.all(Array.from({ length: 20 }, () => limiter.recordFailure('carol', 'ip', 5_000)));
    expect(await limiter.retryAfterSeconds('carol', 'ip', 5_000)).toBe(67);
    // The first failure of a later slot prunes the slots before what checks count.
    await limiter.recordFailure('dave', 'ip2', 125_000);
    expect(await store.transaction((tx) => tx.loginFailures.pruneBefore(new Date(60_000)))).toBe(0);
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
