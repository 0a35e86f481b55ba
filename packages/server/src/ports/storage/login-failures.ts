/**
 * Failed-login counters per key in fixed windows, shared by every replica (login rate limiting).
 * Keys are opaque to the store (the limiter hashes usernames and addresses into them).
 */
export interface LoginFailureCount {
  readonly key: string;
  readonly windowStart: Date;
  readonly failures: number;
}

export interface LoginFailureRepository {
  /** Adds one failure to each key's counter of the window that starts at `windowStart` (race-safe). */
  record(keys: readonly string[], windowStart: Date): Promise<void>;
  /** The counters of these keys in the windows that start at or after `since`, oldest first. */
  counts(keys: readonly string[], since: Date): Promise<readonly LoginFailureCount[]>;
  /** Forgets one key's counters in the windows that start at or after `since` (after a successful login). */
  clear(key: string, since: Date): Promise<void>;
  /** Forgets the counters of windows that started before `before`; returns how many. */
  pruneBefore(before: Date): Promise<number>;
}
