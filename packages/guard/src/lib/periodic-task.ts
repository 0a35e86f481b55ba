/**
 * The guard's own periodic task, shared-nothing with the server's `lib/periodic-task.ts` (the
 * guard never imports the server): start, stop that waits for the run in flight, no overlap
 * (the next wait starts when a run ends), errors reported and survived.
 */

export interface GuardTimer {
  cancel(): void;
}

/** Timers for the guard's periodic work; tests inject a manual one and tick it. */
export interface GuardScheduler {
  /** Calls `run` once after `delayMs`; the timer never keeps the process alive. */
  after(delayMs: number, run: () => void | Promise<void>): GuardTimer;
}

export const systemGuardScheduler: GuardScheduler = {
  after: (delayMs, run) => {
    const timer = setTimeout(() => void run(), delayMs);
    // A no-op on runtimes without `unref`.
    (timer as { unref?: () => void }).unref?.();
    return { cancel: () => clearTimeout(timer) };
  },
};

export class GuardPeriodicTask {
  readonly #run: () => void | Promise<void>;
  readonly #intervalMs: number;
  readonly #scheduler: GuardScheduler;
  readonly #onError: (error: unknown) => void;
  #timer: GuardTimer | undefined;
  #inFlight: Promise<void> | undefined;
  #started = false;
  #stopped = false;

  constructor(
    run: () => void | Promise<void>,
    options: {
      readonly intervalMs: number;
      readonly scheduler: GuardScheduler;
      readonly onError: (error: unknown) => void;
    },
  ) {
    this.#run = run;
    this.#intervalMs = options.intervalMs;
    this.#scheduler = options.scheduler;
    this.#onError = options.onError;
  }

  start(): void {
    if (this.#started || this.#stopped) return;
    this.#started = true;
    this.#schedule();
  }

  /** Cancels the next run and resolves once the run in flight (if any) has finished. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#timer?.cancel();
    this.#timer = undefined;
    await this.#inFlight;
  }

  #schedule(): void {
    this.#timer = this.#scheduler.after(this.#intervalMs, () => {
      this.#timer = undefined;
      this.#inFlight = (async () => {
        try {
          await this.#run();
        } catch (error) {
          this.#onError(error);
        } finally {
          this.#inFlight = undefined;
        }
      })();
      return this.#inFlight.then(() => {
        if (!this.#stopped) this.#schedule();
      });
    });
  }
}
