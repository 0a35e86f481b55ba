import type { Clock } from '../../ports/clock.js';
import type { Store } from '../../ports/store.js';

/**
 * Used authorization codes are kept a day past their 60-second life: a replay within that day
 * still finds the code and revokes what it issued; later it is only refused as unknown.
 */
export const OIDC_STATE_RETENTION_MS = 86_400_000;
const PRUNE_INTERVAL_MS = 3_600_000;

/** Deletes expired authorization codes and hosted-login attempts, at start and then hourly. */
export class OidcStatePruner {
  readonly #store: Store;
  readonly #clock: Clock;
  readonly #onError: (error: unknown) => void;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;

  constructor(options: { store: Store; clock: Clock; onError: (error: unknown) => void }) {
    this.#store = options.store;
    this.#clock = options.clock;
    this.#onError = options.onError;
  }

  start(): void {
    if (this.#timer !== undefined) return;
    const run = (): void => {
      this.#running = this.#store.oidc
        .purgeExpired(new Date(this.#clock.now().getTime() - OIDC_STATE_RETENTION_MS))
        .then(
          () => undefined,
          (error: unknown) => this.#onError(error),
        );
    };
    run();
    this.#timer = setInterval(run, PRUNE_INTERVAL_MS);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#running;
  }
}
