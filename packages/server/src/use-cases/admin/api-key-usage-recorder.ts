import type { ApiKeyId } from '../../domain/ids.js';
import { PeriodicTask } from '../../lib/periodic-task.js';
import type { Scheduler } from '../../ports/scheduler.js';
import type { Store } from '../../ports/storage/store.js';

/**
 * Coalesces API-key use into `last_used_at`: a request only notes the time in memory (a Map set,
 * no I/O), and every `flushMs` one UPDATE per key used since the previous flush moves its
 * `last_used_at` forward (never back, so replicas may flush in any order). Introspection
 * authenticates on every call; a write per request would cost more than the introspection itself.
 */
export class ApiKeyUsageRecorder {
  readonly #store: Store;
  readonly #onWrite: () => void;
  readonly #onError: (error: unknown) => void;
  #pending = new Map<ApiKeyId, Date>();
  readonly #task: PeriodicTask;
  #flushing: Promise<void> = Promise.resolve();

  constructor(options: {
    readonly store: Store;
    readonly flushMs: number;
    readonly scheduler: Scheduler;
    readonly onWrite?: () => void;
    readonly onError: (error: unknown) => void;
  }) {
    this.#store = options.store;
    this.#onWrite = options.onWrite ?? (() => undefined);
    this.#onError = options.onError;
    this.#task = new PeriodicTask(() => this.flush(), {
      intervalMs: options.flushMs,
      scheduler: options.scheduler,
      onError: options.onError,
    });
  }

  /** Notes that `id` authenticated a request at `at`. */
  used(id: ApiKeyId, at: Date): void {
    this.#pending.set(id, at);
  }

  start(): void {
    this.#task.start();
  }

  /** Writes what was noted since the previous flush; flushes never overlap. */
  flush(): Promise<void> {
    this.#flushing = this.#flushing.then(async () => {
      if (this.#pending.size === 0) return;
      const batch = this.#pending;
      this.#pending = new Map();
      for (const [id, at] of batch) {
        try {
          await this.#store.transaction((tx) => tx.apiKeys.touch(id, at));
          this.#onWrite();
        } catch (error) {
          // Best effort: a later use of the key writes a newer time anyway.
          this.#onError(error);
        }
      }
    });
    return this.#flushing;
  }

  /** Stops the timer and writes what is pending (on shutdown). */
  async stop(): Promise<void> {
    await this.#task.stop();
    await this.flush();
  }
}
