/**
 * Timers for periodic work, injected beside `Clock`: production uses the real timers, tests use a
 * manual scheduler and call its `tick()` instead of sleeping.
 */
export interface ScheduledTimer {
  cancel(): void;
}

export interface Scheduler {
  /** Calls `run` once after `delayMs`; the timer never keeps the process alive. */
  after(delayMs: number, run: () => void): ScheduledTimer;
}

export const systemScheduler: Scheduler = {
  after: (delayMs, run) => {
    const timer = setTimeout(run, delayMs);
    timer.unref();
    return { cancel: () => clearTimeout(timer) };
  },
};
