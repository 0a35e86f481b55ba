import { isCutoffError } from '../../domain/errors.js';
import { PeriodicTask } from '../../lib/periodic-task.js';
import type { Scheduler } from '../../ports/scheduler.js';
import type { UseCaseContext } from '../context.js';
import { endGroup, SCHEDULER_ACTOR, type EndGroupResult } from './end-group.js';

export interface GroupEndSchedulerOptions {
  readonly intervalMs: number;
  readonly scheduler: Scheduler;
  readonly onError: (error: unknown) => void;
  /** Told about every group the schedule ended (logs, tests). */
  readonly onEnded?: (result: Extract<EndGroupResult, { outcome: 'ended' }>) => void;
}

/**
 * The durable end-date schedule. The state is the groups' `endAt` in the store, so nothing is
 * lost across restarts: every tick (and one at start) ends every group whose end date has come,
 * including ones that came while no server ran. Safe with any number of replicas: ending is
 * conditional on the group not having ended, under its row lock.
 */
export class GroupEndScheduler {
  readonly #ctx: UseCaseContext;
  readonly #options: GroupEndSchedulerOptions;
  readonly #task: PeriodicTask;
  #stopped = false;

  constructor(ctx: UseCaseContext, options: GroupEndSchedulerOptions) {
    this.#ctx = ctx;
    this.#options = options;
    // Every replica runs it (ending is conditional under the row lock): jitter spreads them out.
    this.#task = new PeriodicTask(async () => void (await this.tick()), {
      intervalMs: options.intervalMs,
      jitter: 0.1,
      initialDelayMs: 0,
      scheduler: options.scheduler,
      onError: options.onError,
    });
  }

  /** Runs a first tick now, then one every interval. The timer does not keep the process alive. */
  start(): void {
    this.#task.start();
  }

  /** Stops the timer and waits for a running tick to finish (call before closing the store). */
  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#task.stop();
  }

  /** Ends every group that is due now; resolves to how many it ended. Never throws. */
  async tick(): Promise<number> {
    let ended = 0;
    try {
      const due = await this.#ctx.store.read((r) => r.groups.listDueForEnd(this.#ctx.clock.now()));
      for (const group of due) {
        if (this.#stopped) break;
        try {
          const result = await endGroup(
            this.#ctx,
            group.name,
            { actor: SCHEDULER_ACTOR, request: { ip: null, user_agent: null } },
            { onlyIfDue: true, trigger: 'end_date' },
          );
          if (result.outcome === 'ended') {
            ended += 1;
            this.#options.onEnded?.(result);
          }
        } catch (error) {
          // Deleted since it was listed: nothing left to end. Any other failure is retried next tick,
          // and one failing group must not hold up the others.
          if (!(isCutoffError(error) && error.code === 'ERR_NOT_FOUND')) this.#options.onError(error);
        }
      }
    } catch (error) {
      this.#options.onError(error);
    }
    return ended;
  }
}
