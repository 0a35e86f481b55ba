import type { AuditAction } from '../../domain/audit-actions.js';
import type { OutboxMessage } from '../../domain/records.js';
import { PeriodicTask } from '../../lib/periodic-task.js';
import type { Clock } from '../../ports/clock.js';
import type { NotificationSender } from '../../ports/notification-sender.js';
import type { Scheduler } from '../../ports/scheduler.js';
import type { Store } from '../../ports/storage/store.js';

export interface OutboxWorkerOptions {
  readonly store: Store;
  readonly clock: Clock;
  /** By message kind (`email`, `sms`). A kind without a sender fails and is retried like any failure. */
  readonly senders: Readonly<Record<string, NotificationSender>>;
  readonly pollMs: number;
  readonly scheduler: Scheduler;
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
  readonly #task: PeriodicTask;
  #started = false;
  #stopped = false;
  #woken = false;

  constructor(options: OutboxWorkerOptions) {
    this.#options = options;
    this.#task = new PeriodicTask(() => this.#drain(), {
      intervalMs: options.pollMs,
      // Several replicas poll the same outbox: jitter keeps their claims from colliding.
      jitter: 0.1,
      initialDelayMs: 0,
      scheduler: options.scheduler,
      onError: options.onError,
    });
  }

  start(): void {
    this.#started = true;
    this.#task.start();
  }

  /** Stops polling and waits for the batch in flight, so the store can be closed after. */
  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#task.stop();
  }

  /**
   * Runs a round now rather than at the next poll: a transaction has just committed messages
   * (the store's commit listener calls it). Woken during a round, the worker runs another after it.
   */
  wake(): void {
    if (!this.#started || this.#stopped) return;
    this.#woken = true;
    void this.#task.runNow();
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

  /** Rounds until one claims less than a full batch (more may be due now), and again when woken meanwhile. */
  async #drain(): Promise<void> {
    const batch = this.#options.batchSize ?? DEFAULT_BATCH;
    do {
      this.#woken = false;
      while (!this.#stopped && (await this.runOnce()) >= batch);
    } while (this.#woken && !this.#stopped);
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
    const audit = (action: AuditAction, details: Record<string, unknown>) => ({
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
