import { createHash } from 'node:crypto';
import type { LoginFailureRepository } from '../../ports/store.js';

/**
 * Counts failed logins per (username, address) and per address in fixed windows aligned to the
 * clock (window n covers [n·w, (n+1)·w)). The counters live in the store, so every replica sees
 * every failure: R replicas do not give an attacker R times the limit.
 */
export interface LoginRateLimiter {
  /** Seconds until the caller may try again, or 0 when allowed. */
  retryAfterSeconds(username: string, ip: string, nowMs: number): Promise<number>;
  recordFailure(username: string, ip: string, nowMs: number): Promise<void>;
  /** Clears the (username, address) counter; the address counter stays. */
  recordSuccess(username: string, ip: string, nowMs: number): Promise<void>;
}

/** An address may fail this many times more than one username, to tolerate shared NAT egress. */
const IP_FACTOR = 5;

/** Usernames are attacker-chosen text of any length: the store only sees fixed-size digests. */
const digest = (text: string): string => createHash('sha256').update(text).digest('base64url');
const userKey = (username: string, ip: string): string =>
  digest(`u\u0000${username.toLowerCase()}\u0000${ip}`);
const ipKey = (ip: string): string => digest(`i\u0000${ip}`);

export const createLoginRateLimiter = (
  failures: LoginFailureRepository,
  maxFailures: number,
  windowSeconds: number,
): LoginRateLimiter => {
  const windowMs = windowSeconds * 1000;
  const windowStart = (nowMs: number): Date => new Date(Math.floor(nowMs / windowMs) * windowMs);
  let prunedWindow = -1;

  return {
    async retryAfterSeconds(username, ip, nowMs) {
      const start = windowStart(nowMs);
      const [user, address] = [userKey(username, ip), ipKey(ip)];
      const counts = await failures.counts([user, address], start);
      const blocked =
        (counts.get(user) ?? 0) >= maxFailures || (counts.get(address) ?? 0) >= maxFailures * IP_FACTOR;
      return blocked ? Math.ceil((start.getTime() + windowMs - nowMs) / 1000) : 0;
    },
    async recordFailure(username, ip, nowMs) {
      const start = windowStart(nowMs);
      await failures.record([userKey(username, ip), ipKey(ip)], start);
      // Earlier windows no longer count: forget them, at most once per window on each replica.
      if (start.getTime() !== prunedWindow) {
        prunedWindow = start.getTime();
        await failures.pruneBefore(start);
      }
    },
    async recordSuccess(username, ip, nowMs) {
      await failures.clear(userKey(username, ip), windowStart(nowMs));
    },
  };
};
