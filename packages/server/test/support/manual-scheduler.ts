import type { ScheduledTimer, Scheduler } from '../../src/ports/scheduler.js';

/**
 * A scheduler tests drive: time moves only when they call `advance` (fire what came due) or
 * `tick` (fire it and wait for the work it started, so the test can assert what it did, or that
 * it did nothing, without sleeping).
 */
export class ManualScheduler implements Scheduler {
  #now = 0;
  #timers: { at: number; run: () => void | Promise<void>; cancelled: boolean }[] = [];

  after(delayMs: number, run: () => void | Promise<void>): ScheduledTimer {
    const timer = { at: this.#now + delayMs, run, cancelled: false };
    this.#timers.push(timer);
    return { cancel: () => (timer.cancelled = true) };
  }

  /** Delays of the timers still pending, relative to now. */
  get pending(): number[] {
    return this.#timers.filter((timer) => !timer.cancelled).map((timer) => timer.at - this.#now);
  }

  /** Moves time forward and fires every timer that came due, in order. */
  advance(ms: number): void {
    this.#now += ms;
    for (;;) {
      const due = this.#timers
        .filter((timer) => !timer.cancelled && timer.at <= this.#now)
        .sort((a, b) => a.at - b.at)[0];
      if (due === undefined) return;
      this.#timers = this.#timers.filter((timer) => timer !== due);
      void due.run();
    }
  }

  /**
   * Moves time forward by `ms`, firing every timer that comes due in order and waiting for the
   * work each one started before the next (work rescheduled within the window fires too).
   */
  async tick(ms: number): Promise<void> {
    const end = this.#now + ms;
    for (;;) {
      const due = this.#timers
        .filter((timer) => !timer.cancelled && timer.at <= end)
        .sort((a, b) => a.at - b.at)[0];
      if (due === undefined) break;
      this.#now = Math.max(this.#now, due.at);
      this.#timers = this.#timers.filter((timer) => timer !== due);
      await due.run();
    }
    this.#now = end;
  }
}
