import { createHash } from 'node:crypto';
import type { LoginFailureCount } from '../../ports/storage/login-failures.js';
import type { Store } from '../../ports/storage/store.js';

/**
 * Counts failed logins per (username, address) and per address, and allows at most the limit in
 * any interval of the window's length: a fixed window alone let twice the limit through around
 * its boundary. Failures are counted in slots of a fifth of the window, aligned to the clock, and
 * a check sums the current slot and the five before it, which always cover the last window. The
 * counters live in the store, so every replica sees every failure: R replicas do not give an
 * attacker R times the limit.
 */
export interface LoginRateLimiter {
  /** Seconds until the caller may try again, or 0 when allowed. */
  retryAfterSeconds(username: string, ip: string, nowMs: number): Promise<number>;
  recordFailure(username: string, ip: string, nowMs: number): Promise<void>;
  /** Clears the (username, address) counters; the address counters stay. */
  recordSuccess(username: string, ip: string, nowMs: number): Promise<void>;
}

/** An address may fail this many times more than one username, to tolerate shared NAT egress. */
const IP_FACTOR = 5;

/** Slots per window: a blocked caller waits at most a window and one slot after its last failure. */
const SLOTS_PER_WINDOW = 5;

/** Usernames are attacker-chosen text of any length: the store only sees fixed-size digests. */
const digest = (text: string): string => createHash('sha256').update(text).digest('base64url');
const userKey = (username: string, ip: string): string =>
  digest(`u\u0000${username.toLowerCase()}\u0000${ip}`);
const ipKey = (ip: string): string => digest(`i\u0000${ip}`);

export const createLoginRateLimiter = (
  store: Store,
  maxFailures: number,
  windowSeconds: number,
): LoginRateLimiter => {
  const slotMs = Math.max(1000, Math.floor((windowSeconds * 1000) / SLOTS_PER_WINDOW));
  /** Slots summed before the current one: together they reach back a whole window or more. */
  const slotsBack = Math.ceil((windowSeconds * 1000) / slotMs);
  const slotStart = (nowMs: number): number => Math.floor(nowMs / slotMs) * slotMs;
  /** The earliest slot a check at `nowMs` counts. */
  const countedSince = (nowMs: number): Date => new Date(slotStart(nowMs) - slotsBack * slotMs);
  let prunedSlot = -1;

  /**
   * When `key` is under its limit again if no failure is added: its oldest slots leave the
   * count one by one (a slot starting at W is last counted by checks before W + (slotsBack + 1)
   * slots). `counts` is oldest first.
   */
  const allowedFrom = (
    counts: readonly LoginFailureCount[],
    key: string,
    limit: number,
    nowMs: number,
  ): number => {
    const own = counts.filter((count) => count.key === key);
    let total = own.reduce((sum, count) => sum + count.failures, 0);
    let allowedAt = nowMs;
    for (const count of own) {
      if (total < limit) break;
      total -= count.failures;
      allowedAt = count.windowStart.getTime() + (slotsBack + 1) * slotMs;
    }
    return allowedAt;
  };

  return {
    async retryAfterSeconds(username, ip, nowMs) {
      const [user, address] = [userKey(username, ip), ipKey(ip)];
      const counts = await store.read((r) => r.loginFailures.counts([user, address], countedSince(nowMs)));
      const allowedAt = Math.max(
        allowedFrom(counts, user, maxFailures, nowMs),
        allowedFrom(counts, address, maxFailures * IP_FACTOR, nowMs),
      );
      return Math.max(0, Math.ceil((allowedAt - nowMs) / 1000));
    },
    async recordFailure(username, ip, nowMs) {
      const start = slotStart(nowMs);
      await store.transaction((tx) =>
        tx.loginFailures.record([userKey(username, ip), ipKey(ip)], new Date(start)),
      );
      // Slots older than every check counts: forget them, once per slot on each replica.
      if (start !== prunedSlot) {
        prunedSlot = start;
        await store.transaction((tx) => tx.loginFailures.pruneBefore(countedSince(nowMs)));
      }
    },
    async recordSuccess(username, ip, nowMs) {
      await store.transaction((tx) => tx.loginFailures.clear(userKey(username, ip), countedSince(nowMs)));
    },
  };
};
