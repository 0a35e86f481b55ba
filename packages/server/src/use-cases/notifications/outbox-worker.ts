import type { OutboxMessage } from '../../domain/records.js';
import type { Clock } from '../../ports/clock.js';
import type { NotificationSender } from '../../ports/notification-sender.js';
import type { Store } from '../../ports/storage/store.js';

export interface OutboxWorkerOptions {
  readonly store: Store;
  readonly clock: Clock;
  /** By message kind (`email`, `sms`). A kind without a sender fails and is retried like any failure. */
  readonly senders: Readonly<Record<string, NotificationSender>>;
  readonly pollMs: number;
  readonly retryBaseMs: number;
  readonly retryMaxMs: number;
  readonly maxAttempts: number;
  /** How long a claim holds before another worker may take the message (a crashed sender). */
  readonly leaseMs?: number;
  readonly batchSize?: number;
  /** Store and bookkeeping errors (sending errors are recorded on the message instead). */
  readonly onError: (error: unknown) => void;
}

const DEFAULT_LEASE_MS = 30_000;
const DEFAULT_BATCH = 20;
const MAX_ERROR_LENGTH = 500;

/** 1x, 2x, 4x … the base after the 1st, 2nd, 3rd … failed attempt, capped. */
export const retryDelayMs = (attempts: number, baseMs: number, maxMs: number): number =>
  Math.min(maxMs, baseMs * 2 ** Math.max(0, Math.min(attempts - 1, 30)));

/**
 * What is stored about a failure: the error text with anything that looks like a credential in a
 * URL removed (senders strip their own configured secrets first), bounded in length.
 */
export const failureText = (error: unknown): string => {
  const text = error instanceof Error ? error.message : String(error);
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^\s/@]*@/gi, '$1[redacted]@').slice(0, MAX_ERROR_LENGTH);
};

/**
 * Delivers the durable outbox at least once: claims due messages under a lease, sends them, and
 * marks each delivered, or failed with an exponentially growing delay, or dead after
 * `maxAttempts`. Several replicas may run it; the claim never hands one message to two of them
 * while a lease holds.
 */
export class OutboxWorker {
  readonly #options: OutboxWorkerOptions;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #stopped = true;
  #wokenWhileRunning = false;

  constructor(options: OutboxWorkerOptions) {
    this.#options = options;
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#schedule(0);
  }

  /** Stops polling and waits for the batch in flight, so the store can be closed after. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }

  /**
   * Runs a round now rather than at the next poll: a transaction has just committed messages
   * (the store's commit listener calls it). During a round, the next round starts right after it.
   */
  wake(): void {
    if (this.#stopped) return;
    if (this.#running !== undefined) {
      this.#wokenWhileRunning = true;
      return;
    }
    clearTimeout(this.#timer);
    this.#schedule(0);
  }

  /** One claim-and-deliver round; returns how many messages it handled. */
  async runOnce(): Promise<number> {
    const { store, clock } = this.#options;
    const batch = this.#options.batchSize ?? DEFAULT_BATCH;
    const claimed = await store.transaction((tx) =>
      tx.outbox.claimDue(clock.now(), batch, this.#options.leaseMs ?? DEFAULT_LEASE_MS),
    );
    await Promise.all(claimed.map((message) => this.#deliver(message)));
    return claimed.length;
  }

  #schedule(delayMs: number): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      let handled = 0;
      this.#running = this.runOnce()
        .then(
          (count) => {
            handled = count;
          },
          (error: unknown) => this.#options.onError(error),
        )
        .finally(() => {
          this.#running = undefined;
          // A full batch means more may be due now; so may messages committed during the round.
          const again = this.#wokenWhileRunning || handled >= (this.#options.batchSize ?? DEFAULT_BATCH);
          this.#wokenWhileRunning = false;
          this.#schedule(again ? 0 : this.#options.pollMs);
        });
    }, delayMs);
    this.#timer.unref();
  }

  async #deliver(message: OutboxMessage): Promise<void> {
    const { store, clock, senders } = this.#options;
    let failure: unknown;
    try {
      const sender = senders[message.kind];
      if (sender === undefined) throw new Error(`no sender is configured for ${message.kind} notifications`);
      await sender.send(message.payload);
    } catch (error) {
      failure = error ?? new Error('send failed');
    }
    const now = clock.now();
    const userId = typeof message.payload['user_id'] === 'string' ? message.payload['user_id'] : null;
    const audit = (action: string, details: Record<string, unknown>) => ({
      ts: now,
      action,
      actor: { type: 'system', id: 'outbox' } as const,
      target: userId === null ? null : { type: 'user', id: userId },
      reason: null,
      counts: null,
      request: null,
      details: {
        channel: message.kind,
        message_id: message.id,
        attempts: message.attempts,
        ...(typeof message.payload['incident_id'] === 'string' && {
          incident_id: message.payload['incident_id'],
        }),
        ...details,
      },
    });
    try {
      await store.transaction(async (tx) => {
        if (failure === undefined) {
          if (await tx.outbox.markDelivered(message.id, now))
            await tx.audit.append(audit('notification.delivered', {}));
          return;
        }
        const error = failureText(failure);
        const dead = message.attempts >= this.#options.maxAttempts;
        const next = dead
          ? null
          : new Date(
              now.getTime() +
                retryDelayMs(message.attempts, this.#options.retryBaseMs, this.#options.retryMaxMs),
            );
        if ((await tx.outbox.markFailed(message.id, error, next)) && dead)
          await tx.audit.append(audit('notification.failed', { error }));
      });
    } catch (error) {
      // The lease runs out and the message is tried again: at least once, never lost.
      this.#options.onError(error);
    }
  }
}
