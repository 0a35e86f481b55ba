/**
 * The guard's position in the feed, as a pure state machine (no I/O, no clock of its own: every
 * instant is passed in, in monotonic milliseconds):
 *
 * - `seqApplied`: every entry up to it has been applied (or had expired);
 * - `head`: the highest seq the server has shown to exist;
 * - `behindSince`: since when a head above `seqApplied` has been known (a resync is due when
 *   that lasts longer than the lag allowance);
 * - `freshAt`: the last instant at which every entry the store held had been applied. A
 *   connection, a byte or an entry proves nothing; only a snapshot or a heartbeat whose head is
 *   at or below `seqApplied` does, as of when its replica read that head.
 */
export class FeedCursor {
  #seqApplied = 0;
  #head = 0;
  #behindSince: number | undefined;
  #freshAt: number | undefined;

  get seqApplied(): number {
    return this.#seqApplied;
  }
  get head(): number {
    return this.#head;
  }
  get behindSince(): number | undefined {
    return this.#behindSince;
  }
  get freshAt(): number | undefined {
    return this.#freshAt;
  }

  /** Everything the store held at `at` has been applied (never moves back). */
  freshAsOf(at: number): void {
    if (this.#freshAt === undefined || at > this.#freshAt) this.#freshAt = at;
  }

  /** A stream entry at or below `seqApplied` is a replayed duplicate. */
  isDuplicate(seq: number): boolean {
    return seq !== 0 && seq <= this.#seqApplied;
  }

  /**
   * A snapshot or delta was applied: its pages went up to `cursor`, its head was `head`, and it
   * was asked for at `askedAt` (the server reads its head after that, so the store held nothing
   * at `askedAt` above the head). Entries up to the head that were not sent have expired.
   */
  snapshotApplied(head: number, cursor: number, askedAt: number): void {
    this.#seqApplied = Math.max(this.#seqApplied, head, cursor);
    this.#head = Math.max(this.#head, head);
    if (this.#head <= this.#seqApplied) this.#behindSince = undefined;
    this.freshAsOf(askedAt);
  }

  /**
   * A stream entry was applied. `in-order` when it was the next seq; `gap` when entries before
   * it are missing (replays skip entries that expired meanwhile): the caller fetches the delta.
   */
  revocationApplied(seq: number): 'in-order' | 'gap' {
    if (seq > this.#head) this.#head = seq;
    if (seq !== this.#seqApplied + 1) return 'gap';
    this.#seqApplied = seq;
    if (this.#head <= this.#seqApplied) this.#behindSince = undefined;
    return 'in-order';
  }

  /**
   * A heartbeat vouched for `head` at `now`. When this guard has applied it, the guard is fresh
   * as of `readAt()` (when the replica read that head, in local monotonic time, if known).
   */
  heartbeat(head: number, now: number, readAt: () => number | undefined): 'current' | 'behind' {
    if (head > this.#head) this.#head = head;
    if (head > this.#seqApplied) {
      this.#behindSince ??= now;
      return 'behind';
    }
    this.#behindSince = undefined;
    const at = readAt();
    if (at !== undefined) this.freshAsOf(at);
    return 'current';
  }

  /** Whether a resync is due at `now`: behind the head for longer than `lagMs`. */
  resyncDue(now: number, lagMs: number): boolean {
    return this.#behindSince !== undefined && now - this.#behindSince > lagMs;
  }

  /** A resync started: the lag clock stops until a heartbeat shows a lag again. */
  resyncStarted(): void {
    this.#behindSince = undefined;
  }

  /** A resync failed at `now`: retry after another lag period rather than in a tight loop. */
  resyncFailed(now: number): void {
    this.#behindSince = now;
  }
}
