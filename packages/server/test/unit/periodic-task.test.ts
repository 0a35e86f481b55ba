import { describe, expect, it } from 'vitest';
import { PeriodicTask } from '../../src/lib/periodic-task.js';
import { ManualScheduler } from '../support/manual-scheduler.js';

const deferred = () => {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
};
const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('PeriodicTask', () => {
  it('runs once per interval, waits for the run to end before scheduling the next, and jitters the wait', async () => {
    const scheduler = new ScheduledCounter();
    const task = new PeriodicTask(() => Promise.resolve(void (scheduler.runs += 1)), {
      intervalMs: 1000,
      jitter: 0.5,
      random: () => 0.5,
      scheduler: scheduler.clock,
      onError: (error) => {
        throw error;
      },
    });
    task.start();
    expect(scheduler.clock.pending).toEqual([1250]);
    scheduler.clock.advance(1249);
    expect(scheduler.runs).toBe(0);
    scheduler.clock.advance(1);
    await flush();
    expect(scheduler.runs).toBe(1);
    expect(scheduler.clock.pending).toEqual([1250]);
    task.start(); // a second start changes nothing
    expect(scheduler.clock.pending).toEqual([1250]);
    await task.stop();
    expect(scheduler.clock.pending).toEqual([]);
  });

  it('never overlaps: runNow joins the run in flight, and the timer waits for it', async () => {
    const clock = new ManualScheduler();
    let started = 0;
    const gate = deferred();
    const task = new PeriodicTask(
      async () => {
        started += 1;
        await gate.promise;
      },
      { intervalMs: 100, scheduler: clock, onError: () => undefined },
    );
    task.start();
    clock.advance(100);
    const joined = task.runNow();
    expect(started).toBe(1);
    expect(task.running).toBe(true);
    expect(clock.pending).toEqual([]); // nothing scheduled while a run is in flight
    gate.resolve();
    await joined;
    await flush();
    expect(clock.pending).toEqual([100]);
    await task.stop();
  });

  it('stop() waits for the run in flight and schedules nothing after it', async () => {
    const clock = new ManualScheduler();
    const gate = deferred();
    let finished = false;
    const task = new PeriodicTask(
      async () => {
        await gate.promise;
        finished = true;
      },
      { intervalMs: 100, scheduler: clock, onError: () => undefined },
    );
    task.start();
    clock.advance(100);
    let stopped = false;
    const stopping = task.stop().then(() => (stopped = true));
    await flush();
    expect(stopped).toBe(false);
    gate.resolve();
    await stopping;
    expect(finished).toBe(true);
    await flush();
    expect(clock.pending).toEqual([]);
  });

  it('reports an error and keeps going', async () => {
    const clock = new ManualScheduler();
    const errors: unknown[] = [];
    let calls = 0;
    const task = new PeriodicTask(
      () => {
        calls += 1;
        return calls === 1 ? Promise.reject(new Error('store down')) : Promise.resolve();
      },
      { intervalMs: 100, scheduler: clock, onError: (error) => errors.push(error) },
    );
    task.start();
    clock.advance(100);
    await flush();
    clock.advance(100);
    await flush();
    expect(calls).toBe(2);
    expect(errors.map((error) => (error as Error).message)).toEqual(['store down']);
    await task.stop();
  });
});

class ScheduledCounter {
  readonly clock = new ManualScheduler();
  runs = 0;
}
