import { exportedAuditEvent } from '../../domain/audit-chain.js';
import { destinationLease, outboundEventId, retryDelayMs } from '../../domain/destinations/delivery-rules.js';
import { destinationSealContext } from '../../domain/seal-contexts.js';
import type { AuditEventRecord } from '../../domain/records.js';
import { PeriodicTask } from '../../lib/periodic-task.js';
import { randomId } from '../../lib/secrets.js';
import type { DeliveryFence, DestinationRecord } from '../../ports/storage/destinations.js';
import type { DestinationSender, OutboundEvent } from '../../ports/destination-sender.js';
import type { DestinationSenderDeps, DestinationTypes } from '../../ports/destination-types.js';
import type { Scheduler } from '../../ports/scheduler.js';
import type { UseCaseContext } from '../context.js';
import { eventFormatter, type EventFormatter } from './event-formats.js';

export type DeliveryResult = 'success' | 'failure' | 'dead_lettered';

export interface DeliveryWorkerOptions {
  readonly ctx: UseCaseContext;
  readonly types: DestinationTypes;
  readonly senderDeps: DestinationSenderDeps;
  readonly scheduler: Scheduler;
  readonly pollMs: number;
  readonly leaseMs: number;
  readonly onError: (error: unknown) => void;
  /** Told per destination how many events a `send` covered and how it went (metrics, logs). */
  readonly onDelivery?: (destination: string, result: DeliveryResult, events: number, error?: string) => void;
  /** Random source in [0, 1) for the backoff jitter (tests fix it). */
  readonly random?: () => number;
  /** This replica's lease holder id (tests name their replicas). */
  readonly holder?: string;
}

/** How long one destination may keep the worker before it yields to its next tick (fairness). */
const BATCHES_PER_TURN = 50;

interface CachedSender {
  readonly version: number;
  readonly sender: DestinationSender;
}

/**
 * This replica's delivery worker: on every tick (and at once when woken after a commit) it
 * serves, concurrently, each destination whose lease it holds or can take: reads the next batch
 * after the cursor, formats it, sends it, and moves the cursor only if it still holds the lease.
 * A failure backs off (capped exponential, jittered); after `maxAttempts` the first event of the
 * batch is dead-lettered and the rest retried, so one poisoned event never blocks the stream.
 */
export class DeliveryWorker {
  readonly #options: DeliveryWorkerOptions;
  readonly #holder: string;
  readonly #task: PeriodicTask;
  readonly #senders = new Map<string, CachedSender>();
  #wakeRequested = false;
  #stopped = false;

  constructor(options: DeliveryWorkerOptions) {
    this.#options = options;
    this.#holder = options.holder ?? randomId('replica');
    this.#task = new PeriodicTask(() => this.#runUntilQuiet(), {
      intervalMs: options.pollMs,
      jitter: 0.2,
      initialDelayMs: 0,
      scheduler: options.scheduler,
      onError: options.onError,
      ...(options.random !== undefined && { random: options.random }),
    });
  }

  get holder(): string {
    return this.#holder;
  }

  start(): void {
    this.#task.start();
  }

  /** Runs a turn now; if one is in flight, another follows it (the commit may have come after its read). */
  wake(): void {
    if (this.#stopped) return;
    if (this.#task.running) this.#wakeRequested = true;
    else void this.#task.runNow();
  }

  /** One turn now (or the one in flight); resolves when it is over. Tests drive the worker with it. */
  runNow(): Promise<void> {
    return this.#task.runNow();
  }

  async idle(): Promise<void> {
    await this.#task.idle();
  }

  /** Stops, waits for the batch in flight, closes senders and gives the leases back. */
  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#task.stop();
    const names = [...this.#senders.keys()];
    await Promise.all(
      names.map(async (name) => {
        await this.#dropSender(name);
        await this.#options.ctx.store
          .transaction((tx) => tx.leases.release(destinationLease(name), this.#holder))
          .catch(this.#options.onError);
      }),
    );
  }

  async #runUntilQuiet(): Promise<void> {
    do {
      this.#wakeRequested = false;
      await this.#turn();
    } while (this.#wakeRequested && !this.#stopped);
  }

  async #turn(): Promise<void> {
    const destinations = await this.#options.ctx.store.read((r) => r.destinations.list());
    const names = new Set(destinations.map((destination) => destination.name));
    for (const name of this.#senders.keys()) if (!names.has(name)) await this.#dropSender(name);
    await Promise.all(
      destinations.map((destination) =>
        this.#serve(destination).catch((error: unknown) => this.#options.onError(error)),
      ),
    );
  }

  async #serve(initial: DestinationRecord): Promise<void> {
    const { ctx } = this.#options;
    if (initial.paused) return;
    const type = this.#options.types.get(initial.type);
    const format = eventFormatter(initial.format);
    if (type === undefined || format === undefined) return;
    const lease = destinationLease(initial.name);
    let destination: DestinationRecord | undefined = initial;
    for (
      let batchNo = 0;
      batchNo < BATCHES_PER_TURN && !this.#stopped && destination !== undefined;
      batchNo += 1
    ) {
      const now = ctx.clock.now();
      // Taken or renewed before every batch: a batch starts only with a full lease ahead of it.
      const until = new Date(now.getTime() + this.#options.leaseMs);
      if (!(await ctx.store.transaction((tx) => tx.leases.tryAcquire(lease, this.#holder, now, until))))
        return;
      const fence: DeliveryFence = { lease, holder: this.#holder, now };
      const sender = this.#sender(destination, type.createSender.bind(type));
      if (batchNo === 0) await this.#retryDeadLetters(destination, sender, format);
      if (destination.nextAttemptAt.getTime() > now.getTime()) return;
      const { deliveredSeq, config } = destination;
      const events = await ctx.store.read((r) => r.audit.scan(deliveredSeq, type.batchSize(config)));
      if (events.length === 0) return;
      const moved = await this.#deliver(
        destination,
        sender,
        events.map(this.#outbound(destination, format)),
        fence,
      );
      if (!moved) return;
      const name: string = destination.name;
      destination = await ctx.store.read((r): Promise<DestinationRecord | undefined> =>
        r.destinations.find(name),
      );
    }
    // More remains: the next turn follows at once rather than after a poll interval.
    if (destination !== undefined && !this.#stopped) this.#wakeRequested = true;
  }

  #outbound(destination: DestinationRecord, format: EventFormatter) {
    return (event: AuditEventRecord): OutboundEvent => {
      const id = outboundEventId(destination.name, event.seq);
      return { id, seq: event.seq, event: exportedAuditEvent(event), payload: format(event, id) };
    };
  }

  /** Sends one batch and records the outcome; true when the cursor moved (more may follow now). */
  async #deliver(
    destination: DestinationRecord,
    sender: DestinationSender,
    batch: readonly OutboundEvent[],
    fence: DeliveryFence,
  ): Promise<boolean> {
    const { ctx } = this.#options;
    const first = batch[0];
    const last = batch.at(-1);
    if (first === undefined || last === undefined) return false;
    try {
      await sender.send(batch);
    } catch (error) {
      const message = errorMessage(error);
      const attempts = destination.attempts + 1;
      if (attempts < destination.maxAttempts) {
        const nextAttemptAt = new Date(
          ctx.clock.now().getTime() + retryDelayMs(attempts, this.#options.random),
        );
        await ctx.store.transaction((tx) =>
          tx.destinations.recordFailure(
            destination.name,
            destination.deliveredSeq,
            { attempts, nextAttemptAt, error: message },
            fence,
          ),
        );
        this.#options.onDelivery?.(destination.name, 'failure', batch.length, message);
        return false;
      }
      const deadLettered = await ctx.store.transaction(async (tx) => {
        // Fenced like any advance: a replica that lost the lease must not dead-letter anything.
        if (
          !(await tx.destinations.advance(
            destination.name,
            destination.deliveredSeq,
            first.seq,
            ctx.clock.now(),
            fence,
          ))
        )
          return false;
        await tx.destinations.insertDeadLetter({
          destination: destination.name,
          seq: first.seq,
          attempts,
          lastError: message,
          deadAt: ctx.clock.now(),
          retryRequested: false,
        });
        return true;
      });
      if (deadLettered) this.#options.onDelivery?.(destination.name, 'dead_lettered', 1, message);
      return deadLettered;
    }
    const moved = await ctx.store.transaction((tx) =>
      tx.destinations.advance(destination.name, destination.deliveredSeq, last.seq, ctx.clock.now(), fence),
    );
    // Not moved: a replay rewound the cursor, or the lease passed to another replica during the
    // send. Either way the events went out once more, which at-least-once allows (ids dedupe).
    this.#options.onDelivery?.(destination.name, 'success', batch.length);
    return moved;
  }

  /** Dead letters an operator asked to retry, one by one, before the stream goes on. */
  async #retryDeadLetters(
    destination: DestinationRecord,
    sender: DestinationSender,
    format: EventFormatter,
  ): Promise<void> {
    const { store } = this.#options.ctx;
    const letters = await store.read((r) =>
      r.destinations.listDeadLetters(destination.name, {
        limit: 10,
        retryRequested: true,
      }),
    );
    for (const letter of letters) {
      const event = (await store.read((r) => r.audit.scan(letter.seq - 1, 1)))[0];
      if (event === undefined || event.seq !== letter.seq) {
        await store.transaction((tx) => tx.destinations.deleteDeadLetter(destination.name, letter.seq));
        continue;
      }
      try {
        await sender.send([this.#outbound(destination, format)(event)]);
        await store.transaction((tx) => tx.destinations.deleteDeadLetter(destination.name, letter.seq));
        this.#options.onDelivery?.(destination.name, 'success', 1);
      } catch (error) {
        await store.transaction((tx) =>
          tx.destinations.failDeadLetter(
            destination.name,
            letter.seq,
            letter.attempts + 1,
            errorMessage(error),
          ),
        );
        this.#options.onDelivery?.(destination.name, 'failure', 1, errorMessage(error));
      }
    }
  }

  #sender(
    destination: DestinationRecord,
    create: (
      stored: { config: Readonly<Record<string, unknown>>; secrets: Readonly<Record<string, string>> },
      deps: DestinationSenderDeps,
    ) => DestinationSender,
  ): DestinationSender {
    const version = destination.updatedAt.getTime();
    const cached = this.#senders.get(destination.name);
    if (cached !== undefined && cached.version === version) return cached.sender;
    if (cached !== undefined) void cached.sender.close().catch(this.#options.onError);
    const secrets =
      destination.sealedSecrets === null
        ? {}
        : (JSON.parse(
            this.#options.ctx.sealer.open(
              destination.sealedSecrets,
              destinationSealContext(destination.name),
            ),
          ) as Record<string, string>);
    const sender = create({ config: destination.config, secrets }, this.#options.senderDeps);
    this.#senders.set(destination.name, { version, sender });
    return sender;
  }

  async #dropSender(name: string): Promise<void> {
    const cached = this.#senders.get(name);
    this.#senders.delete(name);
    await cached?.sender.close().catch(this.#options.onError);
  }
}

/** Senders' messages name the cause without secrets (their contract); cut to a readable size. */
const errorMessage = (error: unknown): string =>
  (error instanceof Error ? error.message : 'send failed').slice(0, 500);
