/**
 * Which guards (connected apps) exist, which seq each has applied and when: the fleet view that
 * answers "revocation N reached 12 of 12 guards in 38 ms". In memory per replica: a guard reports
 * to the replica it streams from, and its record ages out when it stops reporting.
 */
export interface GuardReport {
  readonly guardId: string;
  readonly app: string;
  readonly seq: number;
  /** The guard's own view of its freshness (guards from before it omit it). */
  readonly freshness?: GuardFreshness;
  /** When the guard applied given seqs (epoch ms, the guard's clock). */
  readonly applied: readonly { readonly seq: number; readonly appliedAtMs: number }[];
}

/**
 * Whether the guard knew itself current when it reported: `stalenessMs` since it last had
 * applied everything the store held (a heartbeat or snapshot head at or below its seq).
 */
export interface GuardFreshness {
  readonly degraded: boolean;
  readonly stalenessMs: number | null;
}

export interface GuardStatus {
  readonly guardId: string;
  readonly app: string;
  readonly seq: number;
  readonly freshness: GuardFreshness | undefined;
  readonly connected: boolean;
  readonly lastContactMs: number;
}

export interface GuardDelivery {
  readonly guardId: string;
  readonly app: string;
  readonly applied: boolean;
  /** Milliseconds from commit to the guard applying the entry, when it did. */
  readonly latencyMs: number | null;
}

interface GuardRecord {
  app: string;
  seq: number;
  freshness: GuardFreshness | undefined;
  streams: number;
  lastContactMs: number;
  /** Recent seq -> applied-at (ms); bounded. */
  readonly appliedAt: Map<number, number>;
}

const FORGET_AFTER_MS = 60_000;
const ACTIVE_WITHIN_MS = 10_000;
const MAX_APPLIED_REMEMBERED = 256;
const MAX_GUARDS = 10_000;

export class GuardRegistry {
  readonly #guards = new Map<string, GuardRecord>();
  readonly #waiters = new Set<() => void>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  #record(guardId: string, app: string): GuardRecord {
    let record = this.#guards.get(guardId);
    if (record === undefined) {
      if (this.#guards.size >= MAX_GUARDS) this.#forgetStale();
      record = {
        app,
        seq: 0,
        freshness: undefined,
        streams: 0,
        lastContactMs: this.#now(),
        appliedAt: new Map(),
      };
      this.#guards.set(guardId, record);
    }
    record.app = app;
    record.lastContactMs = this.#now();
    return record;
  }

  /** A guard opened the stream; call the returned function when it closes. */
  connected(guardId: string, app: string): () => void {
    const record = this.#record(guardId, app);
    record.streams += 1;
    return () => {
      record.streams = Math.max(0, record.streams - 1);
      record.lastContactMs = this.#now();
    };
  }

  report(report: GuardReport): void {
    const record = this.#record(report.guardId, report.app);
    record.seq = Math.max(record.seq, report.seq);
    if (report.freshness !== undefined) record.freshness = report.freshness;
    for (const { seq, appliedAtMs } of report.applied) {
      if (!record.appliedAt.has(seq)) record.appliedAt.set(seq, appliedAtMs);
    }
    while (record.appliedAt.size > MAX_APPLIED_REMEMBERED) {
      record.appliedAt.delete(record.appliedAt.keys().next().value as number);
    }
    for (const wake of [...this.#waiters]) wake();
  }

  list(): readonly GuardStatus[] {
    this.#forgetStale();
    return [...this.#guards].map(([guardId, record]) => ({
      guardId,
      app: record.app,
      seq: record.seq,
      freshness: record.freshness,
      connected: record.streams > 0,
      lastContactMs: record.lastContactMs,
    }));
  }

  /**
   * Waits until every guard that is connected (or reported recently) has applied `seq`, or the
   * timeout passes; reports per guard whether and how fast it did.
   */
  async waitForGuards(
    seq: number,
    committedAtMs: number,
    timeoutMs: number,
  ): Promise<readonly GuardDelivery[]> {
    const now = this.#now();
    const expected = [...this.#guards].filter(
      ([, record]) => record.streams > 0 || now - record.lastContactMs < ACTIVE_WITHIN_MS,
    );
    const done = (): boolean => expected.every(([, record]) => record.seq >= seq);
    if (!done()) {
      await new Promise<void>((resolve) => {
        const finish = (): void => {
          clearTimeout(timer);
          this.#waiters.delete(check);
          resolve();
        };
        const check = (): void => {
          if (done()) finish();
        };
        const timer = setTimeout(finish, timeoutMs);
        this.#waiters.add(check);
      });
    }
    return expected.map(([guardId, record]) => {
      const applied = record.seq >= seq;
      const appliedAt = record.appliedAt.get(seq);
      return {
        guardId,
        app: record.app,
        applied,
        latencyMs: applied && appliedAt !== undefined ? Math.max(0, appliedAt - committedAtMs) : null,
      };
    });
  }

  #forgetStale(): void {
    const now = this.#now();
    for (const [guardId, record] of this.#guards) {
      if (record.streams === 0 && now - record.lastContactMs > FORGET_AFTER_MS) this.#guards.delete(guardId);
    }
  }
}
