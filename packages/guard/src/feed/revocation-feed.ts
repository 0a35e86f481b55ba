import { GuardError } from '../errors.js';
import { joinUrl, type ResolvedGuardOptions } from '../options.js';
import { parseRevocationEntry, type RevocationIndex } from '../rule/index.js';
import { sleep, type RequestScope } from './request-scope.js';
import { SseParser, type SseEvent } from './sse-parser.js';
import { FeedCursor } from './feed-cursor.js';
import { parseHeartbeat, parseSnapshotPage, rawSeq } from './feed-wire.js';

const SNAPSHOT_PAGE_LIMIT = 1000;
const SNAPSHOT_TIMEOUT_MS = 5000;
const BACKOFF_MIN_MS = 100;
const BACKOFF_MAX_MS = 2000;
/** Warn when the server clock differs by more than this: `exp` checks use the local clock. */
const CLOCK_SKEW_WARN_MS = 5000;
/**
 * Server-minus-local clock offsets remembered to convert a heartbeat's read time to local time.
 * The largest recent one is used: a message delayed in transit shows a smaller offset, and taking
 * it would make an old read look recent (16 heartbeats: about 8 s at the default interval).
 */
const SKEW_SAMPLES = 16;

const describe = (error: unknown): string => (error instanceof Error ? error.message : String(error));

export interface RevocationFeedDeps {
  readonly options: ResolvedGuardOptions;
  readonly index: RevocationIndex;
  readonly guardId: string;
  readonly scope: RequestScope;
  /** Called for every entry applied after the initial snapshot, for propagation reports. */
  readonly onApplied: (seq: number, appliedAtMs: number) => void;
  /** Called with the server's published signing keys from each heartbeat that carries them. */
  readonly onPublishedKeys?: (version: number, kids: readonly string[]) => void;
}

interface OpenStream {
  readonly abort: (reason?: unknown) => void;
  lastByteAt: number;
  /** The last heartbeat that carried a head (a replica that cannot read the store sends none). */
  lastHeadAt: number;
}

/**
 * Keeps the local `RevocationIndex` current: a paged snapshot first, then the SSE stream resumed
 * with `Last-Event-ID`, reconnecting with backoff. It also knows the last instant at which it had
 * applied everything the store held (`freshAt`), which is what staleness is measured from: a
 * connection, a byte or an entry proves nothing, only a snapshot or heartbeat whose `head` is at
 * or below `seqApplied` does, as of the time its replica read that head from the store.
 */
export class RevocationFeed {
  readonly ready: Promise<void>;
  readonly #options: ResolvedGuardOptions;
  readonly #index: RevocationIndex;
  readonly #guardId: string;
  readonly #scope: RequestScope;
  readonly #onApplied: (seq: number, appliedAtMs: number) => void;
  readonly #onPublishedKeys: ((version: number, kids: readonly string[]) => void) | undefined;
  #resolveReady: () => void = () => {};
  #rejectReady: (error: GuardError) => void = () => {};
  #isReady = false;
  readonly #cursor = new FeedCursor();
  #connected = false;
  #lastError: string | undefined;
  #failing = false;
  #resync: Promise<void> | undefined;
  #stream: OpenStream | undefined;
  #backoffMs = BACKOFF_MIN_MS;
  #loop: Promise<void> | undefined;
  #clockSkewMs: number | undefined;
  readonly #skewSamples: number[] = [];
  #skewWarned = false;

  constructor(deps: RevocationFeedDeps) {
    this.#options = deps.options;
    this.#index = deps.index;
    this.#guardId = deps.guardId;
    this.#scope = deps.scope;
    this.#onApplied = deps.onApplied;
    this.#onPublishedKeys = deps.onPublishedKeys;
    this.ready = new Promise<void>((resolve, reject) => {
      this.#resolveReady = resolve;
      this.#rejectReady = reject;
    });
    // Nobody has to await `ready`; a rejection on close must not become an unhandled rejection.
    this.ready.catch(() => {});
  }

  get isReady(): boolean {
    return this.#isReady;
  }
  /**
   * Monotonic time of the last instant at which this guard had applied every entry the store
   * held (the read time of a head at or below `seqApplied`), if ever.
   */
  get freshAt(): number | undefined {
    return this.#cursor.freshAt;
  }
  get seqApplied(): number {
    return this.#cursor.seqApplied;
  }
  get head(): number {
    return this.#cursor.head;
  }
  get connected(): boolean {
    return this.#connected;
  }
  get lastError(): string | undefined {
    return this.#lastError;
  }
  get clockSkewMs(): number | undefined {
    return this.#clockSkewMs;
  }

  start(): void {
    this.#loop ??= this.#run();
  }

  async close(): Promise<void> {
    if (!this.#isReady) {
      this.#rejectReady(
        new GuardError('ERR_GUARD_NOT_READY', { detail: 'guard closed before the snapshot loaded' }),
      );
    }
    this.#stream?.abort(new Error('guard closed'));
    await this.#loop;
    await this.#resync;
  }

  /** Periodic housekeeping: reconnect a silent stream, resync when heartbeats show a lag. */
  tick(monotonicNow: number): void {
    const stream = this.#stream;
    if (stream !== undefined && monotonicNow - stream.lastByteAt > this.#options.streamIdleTimeoutMs) {
      this.#options.logger.warn('cutoff guard: revocation stream silent; reconnecting', {
        silentMs: Math.round(monotonicNow - stream.lastByteAt),
      });
      stream.abort(new Error('stream idle'));
    } else if (stream !== undefined && monotonicNow - stream.lastHeadAt > this.#options.streamIdleTimeoutMs) {
      // Its replica has stopped vouching (it cannot read the store): another connection, through
      // a load balancer, may reach a replica that can.
      this.#options.logger.warn('cutoff guard: revocation stream stopped vouching for a head; reconnecting', {
        silentMs: Math.round(monotonicNow - stream.lastHeadAt),
      });
      stream.abort(new Error('stream sends no head'));
    }
    if (this.#isReady && this.#cursor.resyncDue(monotonicNow, this.#options.lagResyncMs)) {
      this.#options.logger.warn('cutoff guard: behind the feed head; fetching the missing entries', {
        seqApplied: this.#cursor.seqApplied,
        head: this.#cursor.head,
      });
      this.#startResync();
    }
  }

  async #run(): Promise<void> {
    while (!this.#scope.closed && !this.#isReady) {
      try {
        await this.#fetchDelta(this.#cursor.seqApplied, false);
        this.#isReady = true;
        this.#recovered('snapshot loaded');
        this.#resolveReady();
      } catch (error) {
        if (this.#scope.closed) return;
        this.#failed('snapshot', error);
        await this.#backoff();
      }
    }
    while (!this.#scope.closed) {
      try {
        await this.#streamOnce();
        if (!this.#scope.closed) this.#failed('stream', new Error('stream ended'));
      } catch (error) {
        if (this.#scope.closed) return;
        this.#failed('stream', error);
      }
      await this.#backoff();
    }
  }

  async #backoff(): Promise<void> {
    await sleep(this.#backoffMs, this.#scope);
    this.#backoffMs = Math.min(this.#backoffMs * 2, BACKOFF_MAX_MS);
  }

  #headers(): Record<string, string> {
    return {
      authorization: `Bearer ${this.#options.feedApiKey}`,
      'cutoff-guard-id': this.#guardId,
      'cutoff-guard-app': this.#options.app,
    };
  }

  /** Applies every live entry after `after`, page by page, then advances to the snapshot head. */
  async #fetchDelta(after: number, report: boolean): Promise<void> {
    const options = this.#options;
    let cursor = after;
    let head = 0;
    let askedAt = 0;
    for (;;) {
      // The server reads its head after the request left, so whatever the store held at this
      // instant is at or below the head it answers: no clock conversion needed. The last page
      // counts: its head is the highest, and the pages together hold every entry up to it.
      askedAt = options.monotonicNow();
      const url = `${joinUrl(options.feedUrl, '/v1/revocations')}?after=${cursor}&limit=${SNAPSHOT_PAGE_LIMIT}`;
      const body = await this.#scope.run(SNAPSHOT_TIMEOUT_MS, async (signal) => {
        const response = await options.fetch(url, {
          headers: { ...this.#headers(), accept: 'application/json' },
          signal,
        });
        if (response.status !== 200) {
          await response.body?.cancel();
          throw new Error(`snapshot answered HTTP ${response.status}`);
        }
        const json: unknown = await response.json();
        return json;
      });
      const page = parseSnapshotPage(body);
      if (page === undefined) throw new Error('malformed snapshot response');
      this.#noteServerTime(page.serverTime);
      for (const raw of page.entries) {
        const seq = rawSeq(raw);
        const isNew = seq > this.#cursor.seqApplied;
        if (this.#applyRaw(raw) && report && isNew) this.#onApplied(seq, options.now());
        if (seq > cursor) cursor = seq;
      }
      head = Math.max(head, page.head);
      if (!page.hasMore) break;
      if (page.entries.length === 0) throw new Error('snapshot says has_more but sent no entries');
    }
    // Entries up to the head that were not sent have expired: nothing is missing below it.
    this.#cursor.snapshotApplied(head, cursor, askedAt);
  }

  #applyRaw(raw: unknown): boolean {
    const entry = parseRevocationEntry(raw);
    if (entry === undefined) {
      this.#lastError = 'malformed revocation entry';
      this.#options.logger.error('cutoff guard: ignored a malformed revocation entry', { seq: rawSeq(raw) });
      return false;
    }
    this.#index.apply(entry);
    return true;
  }

  #startResync(): void {
    if (this.#resync !== undefined || this.#scope.closed) return;
    this.#cursor.resyncStarted();
    this.#resync = this.#fetchDelta(this.#cursor.seqApplied, true)
      .catch((error: unknown) => {
        if (this.#scope.closed) return;
        this.#failed('resync', error);
        this.#cursor.resyncFailed(this.#options.monotonicNow());
      })
      .finally(() => {
        this.#resync = undefined;
      });
  }

  async #streamOnce(): Promise<void> {
    const options = this.#options;
    const handle = this.#scope.open();
    const openedAt = options.monotonicNow();
    const stream: OpenStream = { abort: handle.abort, lastByteAt: openedAt, lastHeadAt: openedAt };
    this.#stream = stream;
    try {
      const response = await options.fetch(joinUrl(options.feedUrl, '/v1/revocations/stream'), {
        headers: {
          ...this.#headers(),
          accept: 'text/event-stream',
          'cache-control': 'no-cache',
          'last-event-id': String(this.#cursor.seqApplied),
        },
        signal: handle.signal,
      });
      const contentType = response.headers.get('content-type') ?? '';
      if (response.status !== 200 || response.body === null || !contentType.startsWith('text/event-stream')) {
        await response.body?.cancel();
        throw new Error(`stream answered HTTP ${response.status} ${contentType}`);
      }
      // Connected is not current: what was missed is replayed first, and only a heartbeat whose
      // head the replay has reached makes the guard fresh again.
      this.#connected = true;
      this.#recovered('stream connected');
      const reader: ReadableStreamDefaultReader<Uint8Array> = response.body.getReader();
      const decoder = new TextDecoder();
      const parser = new SseParser((event) => this.#onEvent(event));
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          stream.lastByteAt = options.monotonicNow();
          this.#backoffMs = BACKOFF_MIN_MS;
          parser.push(decoder.decode(value, { stream: true }));
        }
      } finally {
        reader.cancel().catch(() => {});
      }
    } finally {
      this.#connected = false;
      this.#stream = undefined;
      handle.done();
    }
  }

  #onEvent(event: SseEvent): void {
    let data: unknown;
    try {
      data = JSON.parse(event.data);
    } catch {
      this.#options.logger.warn('cutoff guard: ignored an SSE event with invalid JSON', {
        event: event.event,
      });
      return;
    }
    if (event.event === 'revocation') this.#onRevocation(data);
    else if (event.event === 'heartbeat') this.#onHeartbeat(data);
  }

  #onRevocation(data: unknown): void {
    const seq = rawSeq(data);
    if (this.#cursor.isDuplicate(seq)) return; // replayed duplicate
    if (!this.#applyRaw(data)) return;
    this.#onApplied(seq, this.#options.now());
    if (this.#cursor.revocationApplied(seq) === 'gap') {
      // Replays skip entries that expired meanwhile; anything else would be a server bug. Either
      // way the entry is applied and the delta fills whatever is really missing.
      this.#options.logger.info('cutoff guard: seq gap in the revocation stream; fetching the delta', {
        seqApplied: this.#cursor.seqApplied,
        received: seq,
      });
      this.#startResync();
    }
  }

  #onHeartbeat(data: unknown): void {
    const heartbeat = parseHeartbeat(data);
    if (heartbeat === undefined) return;
    this.#noteServerTime(heartbeat.serverTime);
    // A replica that cannot read the store sends no head: it vouches for nothing.
    if (heartbeat.head !== undefined) {
      const now = this.#options.monotonicNow();
      if (this.#stream !== undefined) this.#stream.lastHeadAt = now;
      this.#cursor.heartbeat(heartbeat.head, now, () => {
        // A server from before `head_read_at` read its head about when it sent the heartbeat.
        const readAt = heartbeat.headReadAt ?? heartbeat.serverTime;
        return readAt !== undefined && Number.isFinite(readAt) ? this.#toMonotonic(readAt) : undefined;
      });
    }
    if (heartbeat.publishedKeys !== undefined)
      this.#onPublishedKeys?.(heartbeat.publishedKeys.version, heartbeat.publishedKeys.kids);
  }

  /**
   * A server-clock instant (epoch ms) as local monotonic time, with the largest recent clock
   * offset: never later than the instant really was, up to the fastest transit seen.
   */
  #toMonotonic(serverMs: number): number {
    const skew = this.#skewSamples.length === 0 ? 0 : Math.max(...this.#skewSamples);
    const ageMs = Math.max(0, this.#options.now() + skew - serverMs);
    return this.#options.monotonicNow() - ageMs;
  }

  #noteServerTime(serverTimeMs: number | undefined): void {
    if (serverTimeMs === undefined || !Number.isFinite(serverTimeMs)) return;
    const skew = serverTimeMs - this.#options.now();
    this.#clockSkewMs = skew;
    this.#skewSamples.push(skew);
    if (this.#skewSamples.length > SKEW_SAMPLES) this.#skewSamples.shift();
    if (Math.abs(skew) > CLOCK_SKEW_WARN_MS && !this.#skewWarned) {
      this.#skewWarned = true;
      this.#options.logger.warn(
        'cutoff guard: local clock differs from the server clock; expiry checks may be off',
        {
          skewMs: Math.round(skew),
        },
      );
    }
  }

  #failed(what: string, error: unknown): void {
    const detail = `${what}: ${describe(error)}`;
    this.#lastError = detail;
    // The first failure of a streak is a warning; the retries that follow are debug noise.
    if (this.#failing) this.#options.logger.debug('cutoff guard: feed still failing', { detail });
    else this.#options.logger.warn('cutoff guard: revocation feed failed; retrying', { detail });
    this.#failing = true;
  }

  #recovered(what: string): void {
    if (this.#failing) this.#options.logger.info(`cutoff guard: ${what}; feed recovered`);
    this.#failing = false;
  }
}
