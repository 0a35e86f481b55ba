import type { Scheduler, ScheduledTimer } from '../ports/scheduler.js';

export interface PeriodicTaskOptions {
  /** Time between the end of one run and the start of the next. */
  readonly intervalMs: number;
  /**
   * Each wait is `intervalMs` plus a random share of up to this fraction of it (0..1), so replicas
   * started together do not all wake at the same instant.
   */
  readonly jitter?: number;
  /** Delay before the first run (default: one jittered interval). */
  readonly initialDelayMs?: number;
  readonly scheduler: Scheduler;
  /** Told about every error `run` throws; the task goes on. */
  readonly onError: (error: unknown) => void;
  /** Random source in [0, 1) (tests fix it). */
  readonly random?: () => number;
}

/**
 * One piece of periodic background work: start, stop that waits for the run in flight, no overlap
 * (the next wait starts when a run ends, and `runNow` joins a run in flight instead of starting a
 * second), errors reported and survived, jittered waits.
 */
export class PeriodicTask {
  readonly #run: () => Promise<void>;
  readonly #options: PeriodicTaskOptions;
  #timer: ScheduledTimer | undefined;
  #inFlight: Promise<void> | undefined;
  #started = false;
  #stopped = false;

  constructor(run: () => Promise<void>, options: PeriodicTaskOptions) {
    if (!(options.intervalMs > 0)) throw new RangeError('intervalMs must be positive');
    this.#run = run;
    this.#options = options;
  }

  get running(): boolean {
    return this.#inFlight !== undefined;
  }

  start(): void {
    if (this.#started || this.#stopped) return;
    this.#started = true;
    this.#schedule(this.#options.initialDelayMs ?? this.#nextDelay());
  }

  /** Cancels the next run and resolves once the run in flight (if any) has finished. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#timer?.cancel();
    this.#timer = undefined;
    await this.#inFlight;
  }

  /** Resolves when no run is in flight (at once when none is): tests wait on it after a tick. */
  async idle(): Promise<void> {
    await this.#inFlight;
  }

  /** Runs now (or joins the run in flight); never rejects: errors go to `onError`. */
  runNow(): Promise<void> {
    this.#inFlight ??= (async () => {
      try {
        await this.#run();
      } catch (error) {
        this.#options.onError(error);
      } finally {
        this.#inFlight = undefined;
      }
    })();
    return this.#inFlight;
  }

  #nextDelay(): number {
    const jitter = Math.min(1, Math.max(0, this.#options.jitter ?? 0));
    const random = this.#options.random ?? Math.random;
    return Math.round(this.#options.intervalMs * (1 + jitter * random()));
  }

  #schedule(delayMs: number): void {
    this.#timer = this.#options.scheduler.after(delayMs, () => {
      this.#timer = undefined;
      return this.runNow().then(() => {
        if (!this.#stopped) this.#schedule(this.#nextDelay());
      });
    });
  }
}
