import type { Clock } from '../../ports/clock.js';
import type { Store } from '../../ports/storage/store.js';

/**
 * How long event ids are remembered for replay protection. A signature older than 5 minutes is
 * refused anyway; the longer memory also refuses a sender's re-signed retry of an old event.
 */
export const WEBHOOK_EVENT_RETENTION_MS = 30 * 86_400_000;
const PRUNE_INTERVAL_MS = 3_600_000;

/** Forgets webhook event ids past the retention, at start and then hourly. */
export class WebhookEventPruner {
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
      const before = new Date(this.#clock.now().getTime() - WEBHOOK_EVENT_RETENTION_MS);
      this.#running = this.#store
        .transaction((tx) => tx.webhookEvents.pruneBefore(before))
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
