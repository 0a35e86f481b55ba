/**
 * Counts failed logins per (username, ip) and per ip in a fixed window. In memory: each replica
 * limits on its own, which bounds an attacker to replicas x limit per window (documented).
 */
export interface LoginRateLimiter {
  /** Seconds until the caller may try again, or 0 when allowed. */
  retryAfterSeconds(username: string, ip: string, nowMs: number): number;
  recordFailure(username: string, ip: string, nowMs: number): void;
  recordSuccess(username: string, ip: string): void;
}

interface Window {
  count: number;
  resetAtMs: number;
}

/** An ip may fail this many times more than one username, to tolerate shared NAT egress. */
const IP_FACTOR = 5;
const MAX_TRACKED = 100_000;

export const createLoginRateLimiter = (maxFailures: number, windowSeconds: number): LoginRateLimiter => {
  const windows = new Map<string, Window>();
  const windowMs = windowSeconds * 1000;

  const current = (key: string, nowMs: number): Window | undefined => {
    const window = windows.get(key);
    if (window !== undefined && window.resetAtMs <= nowMs) {
      windows.delete(key);
      return undefined;
    }
    return window;
  };
  const bump = (key: string, nowMs: number): void => {
    const window = current(key, nowMs);
    if (window === undefined) {
      if (windows.size >= MAX_TRACKED) windows.delete(windows.keys().next().value as string);
      windows.set(key, { count: 1, resetAtMs: nowMs + windowMs });
    } else window.count += 1;
  };
  const userKey = (username: string, ip: string): string => `u\u0000${username.toLowerCase()}\u0000${ip}`;
  const ipKey = (ip: string): string => `i\u0000${ip}`;

  return {
    retryAfterSeconds(username, ip, nowMs) {
      const blocking = [
        [current(userKey(username, ip), nowMs), maxFailures],
        [current(ipKey(ip), nowMs), maxFailures * IP_FACTOR],
      ] as const;
      let wait = 0;
      for (const [window, limit] of blocking) {
        if (window !== undefined && window.count >= limit) {
          wait = Math.max(wait, Math.ceil((window.resetAtMs - nowMs) / 1000));
        }
      }
      return wait;
    },
    recordFailure(username, ip, nowMs) {
      bump(userKey(username, ip), nowMs);
      bump(ipKey(ip), nowMs);
    },
    recordSuccess(username, ip) {
      windows.delete(userKey(username, ip));
    },
  };
};
