import type { OutboxMessage, OutboxStatus } from '../../domain/records.js';

export interface OutboxRepository {
  /** Inside `store.transaction`, the message commits (or not) with the change that caused it. */
  enqueue(message: OutboxMessage): Promise<void>;
  /**
   * Atomically claims up to `limit` pending messages due at `now`: each gets `attempts + 1` and a
   * lease (`nextAttemptAt = now + leaseMs`), after which it is due again unless marked delivered
   * or failed. Concurrent claimers never get the same message. Picks the earliest due and
   * returns them oldest (by `createdAt`) first. Delivery is at least once: a claimer whose lease
   * ran out may still mark the message, and another claimer may then have sent it too.
   */
  claimDue(now: Date, limit: number, leaseMs: number): Promise<readonly OutboxMessage[]>;
  /** Returns false when the message is not pending (already delivered, dead or missing). */
  markDelivered(id: string, at: Date): Promise<boolean>;
  /**
   * Records a failed attempt: retried at `nextAttemptAt`, or given up (`dead`) when it is null.
   * Returns false when the message is not pending.
   */
  markFailed(id: string, error: string, nextAttemptAt: Date | null): Promise<boolean>;
  /** Oldest first, for tests and operations. */
  list(query: { readonly status?: OutboxStatus; readonly limit: number }): Promise<readonly OutboxMessage[]>;
  findById(id: string): Promise<OutboxMessage | undefined>;
  /**
   * Puts a dead message back in the queue, due at `at`, its attempts counted from zero again (the
   * last error is kept). False unless it was dead.
   */
  requeueDead(id: string, at: Date): Promise<boolean>;
  /** How many messages are pending and how many dead (metrics and alerts). */
  countOpen(): Promise<{ readonly pending: number; readonly dead: number }>;
}
