import type { RevocationEntry, RevocationIndex } from '@cutoff/guard/rule';
import type { RevocationRecord } from '../../domain/records.js';
import { PeriodicTask } from '../../lib/periodic-task.js';
import { toNumericDate, type Clock } from '../../ports/clock.js';
import type { FeedNotifier } from '../../ports/feed-notifier.js';
import type { Scheduler } from '../../ports/scheduler.js';
import type { Store } from '../../ports/storage/store.js';

export type FeedListener = (entry: RevocationEntry) => void;

const PAGE = 1_000;
const PRUNE_INTERVAL_MS = 10_000;
/**
 * The store is read at least this often, whatever `pollMs` says: a replica vouches for its head
 * only as of its last read (a head read plus an empty listing: two indexed queries a second).
 */
const MAX_READ_INTERVAL_MS = 1_000;
/**
 * Past this age since its last successful store read the replica stops vouching: heartbeats
 * carry no head and introspection answers inactive. Below the guard's default `maxStalenessMs`
 * (5000), so a replica that lost the store is noticed by the server before its guards notice.
 */
export const MAX_VOUCH_AGE_MS = 3_000;

/** What this replica can vouch for: every entry the store held at `readAtMs` is at or below `head`. */
export interface FeedVouch {
  readonly head: number;
  /** Epoch ms (server clock) when the head was read from the store. */
  readonly readAtMs: number;
}

export const toFeedEntry = (record: RevocationRecord): RevocationEntry => ({
  seq: record.seq,
  kind: record.kind,
  key: record.key,
  at: record.at,
  expires_at: record.expiresAt,
  reason: record.reason,
});

interface Subscriber {
  readonly send: FeedListener;
  /** Highest seq sent; entries at or below it are never sent again. */
  sentSeq: number;
  /** Live entries that arrived while the subscriber was catching up from the store. */
  backlog: RevocationEntry[] | null;
}

export interface FeedHubOptions {
  readonly store: Store;
  readonly clock: Clock;
  readonly index: RevocationIndex;
  readonly notifier?: FeedNotifier | undefined;
  readonly pollMs: number;
  readonly scheduler: Scheduler;
  readonly onError: (error: unknown) => void;
}

/**
 * This replica's view of the revocation feed. Entries are always read from the store (the
 * source of truth) in seq order, so a lost notification delays an entry and never loses it; the
 * index used for introspection and the SSE subscribers are fed from the same ordered stream.
 */
export class RevocationFeedHub {
  readonly #options: FeedHubOptions;
  readonly #subscribers = new Set<Subscriber>();
  #appliedSeq = 0;
  #head = 0;
  #readAtMs: number | undefined;
  /** `performance.now()` at that read: its age is measured on a clock no one can step. */
  #readAtMonotonicMs: number | undefined;
  #catchingUp: Promise<void> | null = null;
  #catchUpAgain = false;
  #tasks: PeriodicTask[] = [];

  constructor(options: FeedHubOptions) {
    this.#options = options;
  }

  /** The highest seq the store has assigned, as far as this replica knows. */
  get head(): number {
    return this.#head;
  }

  /**
   * The head and when it was read, while the last successful store read is at most
   * `MAX_VOUCH_AGE_MS` old; `undefined` when this replica cannot vouch for what the store holds.
   */
  vouch(): FeedVouch | undefined {
    const readAtMs = this.#readAtMs;
    const readAtMonotonicMs = this.#readAtMonotonicMs;
    if (readAtMs === undefined || readAtMonotonicMs === undefined) return undefined;
    // The age of the read is real elapsed time: a wall clock stepped forward (NTP, a test's
    // clock) must neither revoke nor extend what this replica can vouch for.
    if (performance.now() - readAtMonotonicMs > MAX_VOUCH_AGE_MS) return undefined;
    return { head: this.#head, readAtMs };
  }

  get subscriberCount(): number {
    return this.#subscribers.size;
  }

  async start(): Promise<void> {
    await this.#catchUp();
    this.#options.notifier?.subscribe((head) => {
      if (head > this.#appliedSeq) this.requestCatchUp();
    });
    const { scheduler, onError } = this.#options;
    this.#tasks = [
      // The poll joins a catch-up in flight (a commit or a notification started it) rather than
      // starting a second; its errors are reported where the catch-up is requested.
      new PeriodicTask(
        async () => {
          this.requestCatchUp();
          await this.#catchingUp?.then(
            () => undefined,
            () => undefined,
          );
        },
        { intervalMs: Math.min(this.#options.pollMs, MAX_READ_INTERVAL_MS), jitter: 0.1, scheduler, onError },
      ),
      new PeriodicTask(
        () => Promise.resolve(this.#options.index.prune(toNumericDate(this.#options.clock.now()))),
        {
          intervalMs: PRUNE_INTERVAL_MS,
          scheduler,
          onError,
        },
      ),
    ];
    for (const task of this.#tasks) task.start();
  }

  /** Stops polling and pruning (a read in flight finishes on its own) and drops the subscribers. */
  stop(): void {
    for (const task of this.#tasks) void task.stop();
    this.#tasks = [];
    this.#subscribers.clear();
  }

  /** Called after a local transaction committed an entry. */
  committed(record: RevocationRecord): void {
    if (record.seq === this.#appliedSeq + 1 && this.#catchingUp === null) {
      // The common case on one replica: the next entry in order, no store round trip needed.
      this.#deliver(toFeedEntry(record));
    } else {
      this.requestCatchUp();
    }
    this.#options.notifier?.publish(record.seq).catch(this.#options.onError);
  }

  requestCatchUp(): void {
    if (this.#catchingUp !== null) {
      this.#catchUpAgain = true;
      return;
    }
    this.#catchUp().catch(this.#options.onError);
  }

  /**
   * Registers a listener that first receives the live entries after `afterSeq` from the store,
   * then every new entry, in order and without gaps or repeats.
   */
  subscribe(
    afterSeq: number,
    send: FeedListener,
  ): { readonly ready: Promise<void>; readonly unsubscribe: () => void } {
    const subscriber: Subscriber = { send, sentSeq: afterSeq, backlog: [] };
    this.#subscribers.add(subscriber);
    const ready = (async () => {
      const upTo = this.#appliedSeq;
      let after = afterSeq;
      while (after < upTo && this.#subscribers.has(subscriber)) {
        const page = await this.#options.store.read((r) =>
          r.revocations.listLive(after, this.#nowSeconds(), PAGE),
        );
        for (const record of page) {
          if (record.seq > upTo) break;
          this.#sendTo(subscriber, toFeedEntry(record));
        }
        const last = page.at(-1);
        if (last === undefined || page.length < PAGE) break;
        after = last.seq;
      }
      const backlog = subscriber.backlog ?? [];
      subscriber.backlog = null;
      for (const entry of backlog) this.#sendTo(subscriber, entry);
    })();
    ready.catch(() => this.#subscribers.delete(subscriber));
    return { ready, unsubscribe: () => this.#subscribers.delete(subscriber) };
  }

  #nowSeconds(): number {
    return toNumericDate(this.#options.clock.now());
  }

  #sendTo(subscriber: Subscriber, entry: RevocationEntry): void {
    if (entry.seq <= subscriber.sentSeq) return;
    subscriber.sentSeq = entry.seq;
    subscriber.send(entry);
  }

  #deliver(entry: RevocationEntry): void {
    this.#options.index.apply(entry);
    this.#appliedSeq = Math.max(this.#appliedSeq, entry.seq);
    this.#head = Math.max(this.#head, entry.seq);
    for (const subscriber of this.#subscribers) {
      if (subscriber.backlog === null) this.#sendTo(subscriber, entry);
      else subscriber.backlog.push(entry);
    }
  }

  async #catchUp(): Promise<void> {
    const run = async (): Promise<void> => {
      do {
        this.#catchUpAgain = false;
        // Read the head first: every seq up to it has committed, so once the listing below
        // has run, each of them has been delivered or has expired. Whatever the store held
        // when the read was issued is at or below it.
        const readAtMs = this.#options.clock.now().getTime();
        const readAtMonotonicMs = performance.now();
        const head = await this.#options.store.read((r) => r.revocations.head());
        for (;;) {
          const page = await this.#options.store.read((r) =>
            r.revocations.listLive(this.#appliedSeq, this.#nowSeconds(), PAGE),
          );
          for (const record of page) this.#deliver(toFeedEntry(record));
          if (page.length < PAGE) break;
        }
        // Expired entries are never listed; the head still moves past them.
        this.#head = Math.max(this.#head, head);
        this.#appliedSeq = Math.max(this.#appliedSeq, head);
        this.#readAtMs = Math.max(this.#readAtMs ?? 0, readAtMs);
        this.#readAtMonotonicMs = Math.max(this.#readAtMonotonicMs ?? 0, readAtMonotonicMs);
      } while (this.#catchUpAgain);
    };
    this.#catchingUp = run();
    try {
      await this.#catchingUp;
    } finally {
      this.#catchingUp = null;
    }
  }
}
