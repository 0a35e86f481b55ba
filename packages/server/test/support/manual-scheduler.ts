import type { ScheduledTimer, Scheduler } from '../../src/ports/scheduler.js';

/** A scheduler tests drive: time moves only when they call `advance`. */
export class ManualScheduler implements Scheduler {
  #now = 0;
  #timers: { at: number; run: () => void; cancelled: boolean }[] = [];

  after(delayMs: number, run: () => void): ScheduledTimer {
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
      due.run();
    }
  }
}
