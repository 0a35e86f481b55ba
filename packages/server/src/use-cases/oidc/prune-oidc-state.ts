import { PeriodicTask } from '../../lib/periodic-task.js';
import type { Clock } from '../../ports/clock.js';
import type { Scheduler } from '../../ports/scheduler.js';
import type { Store } from '../../ports/storage/store.js';

/**
 * Used authorization codes are kept a day past their 60-second life: a replay within that day
 * still finds the code and revokes what it issued; later it is only refused as unknown.
 */
export const OIDC_STATE_RETENTION_MS = 86_400_000;
const PRUNE_INTERVAL_MS = 3_600_000;

/**
 * Deletes expired authorization codes, hosted-login attempts and `private_key_jwt` assertion
 * `jti`s, and the SSO cookie rows of ended sessions, at start and then hourly.
 */
export const createOidcStatePruner = (options: {
  readonly store: Store;
  readonly clock: Clock;
  readonly scheduler: Scheduler;
  readonly onError: (error: unknown) => void;
}): PeriodicTask =>
  new PeriodicTask(
    async () => {
      await options.store.transaction((tx) =>
        tx.oidc.purgeExpired(new Date(options.clock.now().getTime() - OIDC_STATE_RETENTION_MS)),
      );
    },
    {
      intervalMs: PRUNE_INTERVAL_MS,
      initialDelayMs: 0,
      scheduler: options.scheduler,
      onError: options.onError,
    },
  );
