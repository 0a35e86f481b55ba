import { PeriodicTask } from '../../lib/periodic-task.js';
import type { Clock } from '../../ports/clock.js';
import type { Scheduler } from '../../ports/scheduler.js';
import type { Store } from '../../ports/storage/store.js';

/**
 * How long event ids are remembered for replay protection. A signature older than 5 minutes is
 * refused anyway; the longer memory also refuses a sender's re-signed retry of an old event.
 */
export const WEBHOOK_EVENT_RETENTION_MS = 30 * 86_400_000;
const PRUNE_INTERVAL_MS = 3_600_000;

/** Forgets webhook event ids past the retention, at start and then hourly. */
export const createWebhookEventPruner = (options: {
  readonly store: Store;
  readonly clock: Clock;
  readonly scheduler: Scheduler;
  readonly onError: (error: unknown) => void;
}): PeriodicTask =>
  new PeriodicTask(
    async () => {
      const before = new Date(options.clock.now().getTime() - WEBHOOK_EVENT_RETENTION_MS);
      await options.store.transaction((tx) => tx.webhookEvents.pruneBefore(before));
    },
    {
      intervalMs: PRUNE_INTERVAL_MS,
      // Every replica prunes; jitter keeps them from deleting at the same instant.
      jitter: 0.1,
      initialDelayMs: 0,
      scheduler: options.scheduler,
      onError: options.onError,
    },
  );
