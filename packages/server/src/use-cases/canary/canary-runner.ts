import type { CanaryRunRecord } from '../../domain/canary/canary-records.js';
import { CutoffError } from '../../domain/errors.js';
import { PeriodicTask } from '../../lib/periodic-task.js';
import { randomId } from '../../lib/secrets.js';
import type { Scheduler } from '../../ports/scheduler.js';
import { runCanaryCycle, type CanaryDeps } from './run-canary-cycle.js';

/** Held while a cycle runs (one at a time across replicas: they share the canary account). */
const RUN_LEASE = 'canary.run';
/** Held for one interval by the replica whose scheduled cycle it was. */
const INTERVAL_LEASE = 'canary.interval';

export interface CanaryRunnerOptions {
  readonly scheduler: Scheduler;
  readonly onRun: (run: CanaryRunRecord) => void;
  readonly onError: (error: unknown) => void;
  /** Random source in [0, 1) for the jitter (tests fix it). */
  readonly random?: () => number;
}

/**
 * Runs canary cycles on demand and, every `canaryIntervalSeconds`, once across all replicas: each
 * replica looks several times per interval (jittered), and the first to take the interval lease
 * in the store runs the cycle; the others find it taken until the interval has passed.
 */
export class CanaryRunner {
  readonly #deps: CanaryDeps;
  readonly #options: CanaryRunnerOptions;
  readonly #holder = randomId('replica');
  readonly #task: PeriodicTask | undefined;

  constructor(deps: CanaryDeps, options: CanaryRunnerOptions) {
    this.#deps = deps;
    this.#options = options;
    const intervalMs = deps.ctx.config.canaryIntervalSeconds * 1000;
    this.#task =
      intervalMs === 0
        ? undefined
        : new PeriodicTask(() => this.#scheduledTick(intervalMs), {
            // Looking five times per interval keeps the gap between cycles within 1.2 intervals.
            intervalMs: Math.max(200, Math.floor(intervalMs / 5)),
            jitter: 0.5,
            scheduler: options.scheduler,
            onError: options.onError,
            ...(options.random !== undefined && { random: options.random }),
          });
  }

  start(): void {
    this.#task?.start();
  }

  /** Stops the schedule and waits for a scheduled cycle in flight. */
  async stop(): Promise<void> {
    await this.#task?.stop();
  }

  /** Resolves when no scheduled look or cycle is in flight. */
  async idle(): Promise<void> {
    await this.#task?.idle();
  }

  /** One cycle now (`POST /v1/canary/runs`); 409 while another replica's or a scheduled one runs. */
  async runNow(): Promise<CanaryRunRecord> {
    const run = await this.#locked();
    if (run === undefined)
      throw new CutoffError('ERR_CONFLICT', {
        message: 'A canary cycle is running; its result will be in GET /v1/canary/runs shortly.',
      });
    return run;
  }

  async #scheduledTick(intervalMs: number): Promise<void> {
    // Until a probe is registered the schedule stays idle: a fresh install gets no canary account,
    // revocations or audit events it never asked for. `runNow` still runs the chain checks.
    if ((await this.#deps.ctx.store.read((r) => r.canary.listProbes())).length === 0) return;
    const now = this.#deps.ctx.clock.now();
    // A holder of its own per look: a lease is renewable by its holder, and this one must not be.
    const due = await this.#deps.ctx.store.transaction((tx) =>
      tx.leases.tryAcquire(
        INTERVAL_LEASE,
        `${this.#holder}:${randomId('tick')}`,
        now,
        new Date(now.getTime() + intervalMs),
      ),
    );
    if (!due) return;
    await this.#locked();
  }

  async #locked(): Promise<CanaryRunRecord | undefined> {
    const { ctx } = this.#deps;
    const now = ctx.clock.now();
    const holder = `${this.#holder}:${randomId('run')}`;
    // Long enough for the slowest cycle (every call of the deadline plus timeouts); released at the end.
    const leaseMs = 3 * ctx.config.canaryDeadlineMs + 60_000;
    if (
      !(await ctx.store.transaction((tx) =>
        tx.leases.tryAcquire(RUN_LEASE, holder, now, new Date(now.getTime() + leaseMs)),
      ))
    )
      return undefined;
    try {
      const run = await runCanaryCycle(this.#deps);
      this.#options.onRun(run);
      return run;
    } finally {
      await ctx.store.transaction((tx) => tx.leases.release(RUN_LEASE, holder)).catch(this.#options.onError);
    }
  }
}
