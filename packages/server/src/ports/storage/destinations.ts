import type { EventFormat } from '../destination-sender.js';

/**
 * A destination is a cursor over the audit chain, not a copy of its events: every audit event
 * row is written in the transaction of the change that causes it, with a gap-free seq in commit
 * order, so a change never commits without its delivery and none leaves for a rolled-back change.
 * The row keeps where the destination is (`deliveredSeq`) and how its current batch is faring.
 */
export interface DestinationRecord {
  readonly name: string;
  /** A registered destination type (`http`, `file`, ...). */
  readonly type: string;
  readonly format: EventFormat;
  /** The type's fields without its secrets (shown by the API). */
  readonly config: Readonly<Record<string, unknown>>;
  /** The type's secret fields as sealed JSON (`destinationSealContext`), null when it has none. */
  readonly sealedSecrets: string | null;
  /** Attempts at one event before it is dead-lettered and the stream moves on. */
  readonly maxAttempts: number;
  /** Every event with a seq above this one has not been acknowledged yet. */
  readonly deliveredSeq: number;
  /** Failed attempts at the batch that starts at `deliveredSeq + 1`. */
  readonly attempts: number;
  /** Not before this instant (backoff after a failure). */
  readonly nextAttemptAt: Date;
  /** The last failure's cause, with no secret in it; null after a success. */
  readonly lastError: string | null;
  readonly lastDeliveredAt: Date | null;
  readonly paused: boolean;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** An event that exhausted its attempts; kept visible (and retryable) instead of blocking the stream. */
export interface DeadLetterRecord {
  readonly destination: string;
  readonly seq: number;
  readonly attempts: number;
  readonly lastError: string;
  readonly deadAt: Date;
  /** Asked to be sent again (`POST .../dead-letters/{seq}/retry`); the worker sends it next. */
  readonly retryRequested: boolean;
}

/** Whose lease fences a destination's cursor (the worker of one replica at a time). */
export interface DeliveryFence {
  /** The lease name (`destination:<name>`). */
  readonly lease: string;
  readonly holder: string;
  /** The lease must still be valid at this instant. */
  readonly now: Date;
}

export interface DestinationRepository {
  /**
   * Creates the destination, or replaces its type, format, config, secrets, attempts limit and
   * paused flag (keeping its creation time and cursor). True when it was created.
   */
  put(destination: DestinationRecord): Promise<boolean>;
  find(name: string): Promise<DestinationRecord | undefined>;
  /** By name. */
  list(): Promise<readonly DestinationRecord[]>;
  /**
   * Replaces the sealed secrets if they are still `expected` (a compare-and-set, for
   * `cutoff secrets reseal`); false when the destination is gone or was replaced meanwhile.
   */
  replaceSealedSecrets(name: string, expected: string, sealedSecrets: string): Promise<boolean>;
  /** Deletes the destination and its dead letters; false when there was none. */
  delete(name: string): Promise<boolean>;
  /**
   * Moves the cursor from `fromSeq` to `toSeq` after an acknowledged batch, clearing attempts
   * and the last error. A compare-and-set fenced by the lease: false (nothing written) when the
   * cursor moved meanwhile or `fence.holder` no longer holds `fence.lease` at `fence.now`, so a
   * replica that lost its lease mid-batch cannot move the cursor of the one that took it over.
   */
  advance(name: string, fromSeq: number, toSeq: number, at: Date, fence: DeliveryFence): Promise<boolean>;
  /** Records a failed attempt at the batch after `atSeq` (same fencing as `advance`). */
  recordFailure(
    name: string,
    atSeq: number,
    failure: { readonly attempts: number; readonly nextAttemptAt: Date; readonly error: string },
    fence: DeliveryFence,
  ): Promise<boolean>;
  /** Sets the cursor so the next event delivered is `fromSeq` (replay), due now; false when unknown. */
  rewind(name: string, fromSeq: number, at: Date): Promise<boolean>;
  /** Records a dead letter (replacing one of the same seq). Use inside the transaction that advances. */
  insertDeadLetter(letter: DeadLetterRecord): Promise<void>;
  /** Ascending seq, at most `limit`, those with seq > `afterSeq`. */
  listDeadLetters(
    name: string,
    query: { readonly limit: number; readonly afterSeq?: number; readonly retryRequested?: boolean },
  ): Promise<readonly DeadLetterRecord[]>;
  countDeadLetters(name: string): Promise<number>;
  /** Marks a dead letter for another attempt; false when there is none at that seq. */
  requestRetry(name: string, seq: number): Promise<boolean>;
  /** Forgets a dead letter (it was delivered on retry); false when there was none. */
  deleteDeadLetter(name: string, seq: number): Promise<boolean>;
  /** Puts a retried dead letter back to rest with its new error and attempts. */
  failDeadLetter(name: string, seq: number, attempts: number, error: string): Promise<boolean>;
  /** The highest audit seq (0 when none): the head every cursor chases. */
  auditHead(): Promise<number>;
  /** Who holds the lease at `now`, if anyone (status). */
  leaseHolder(lease: string, now: Date): Promise<string | undefined>;
}
