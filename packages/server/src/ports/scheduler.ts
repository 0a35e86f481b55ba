/**
 * Timers for periodic work, injected beside `Clock`: production uses the real timers, tests use a
 * manual scheduler and call its `tick()` instead of sleeping.
 */
export interface ScheduledTimer {
  cancel(): void;
}

export interface Scheduler {
  /**
   * Calls `run` once after `delayMs`; the timer never keeps the process alive. `run` may return
   * the promise of the work it started, so a manual scheduler can wait for it to finish.
   */
  after(delayMs: number, run: () => void | Promise<void>): ScheduledTimer;
}

export const systemScheduler: Scheduler = {
  after: (delayMs, run) => {
    const timer = setTimeout(() => void run(), delayMs);
    timer.unref();
    return { cancel: () => clearTimeout(timer) };
  },
};
