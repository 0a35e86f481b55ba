import { DEFAULT_MAX_ATTEMPTS } from '../../domain/destinations/delivery-rules.js';
import { CutoffError } from '../../domain/errors.js';
import { destinationSealContext } from '../../domain/seal-contexts.js';
import type { DestinationRecord } from '../../ports/storage/destinations.js';
import type { EventFormat } from '../../ports/destination-sender.js';
import { auditEvent } from '../audit/audit-event.js';
import type { RequestContext } from '../context.js';
import type { DestinationsDeps } from './destinations-deps.js';
import { availableFormats, eventFormatter } from './event-formats.js';

export interface PutDestinationInput {
  readonly name: string;
  readonly type: string;
  readonly format?: string | undefined;
  readonly maxAttempts?: number | undefined;
  /** The first seq a new destination receives (default 1: the whole trail). Ignored on update. */
  readonly fromSeq?: number | undefined;
  readonly paused?: boolean | undefined;
  /** The type's own fields (`url`, `secret`, `path`...). */
  readonly fields: Readonly<Record<string, unknown>>;
}

const invalid = (message: string): CutoffError => new CutoffError('ERR_VALIDATION', { message });

/**
 * Creates or replaces a destination: the type checks its fields, secrets are sealed before they
 * reach the store, and the change is audited without them. A replacement keeps the cursor.
 */
export const putDestination = async (
  deps: DestinationsDeps,
  input: PutDestinationInput,
  requestContext: RequestContext,
): Promise<{ readonly destination: DestinationRecord; readonly created: boolean }> => {
  const { ctx } = deps;
  const type = deps.types.get(input.type);
  if (type === undefined)
    throw invalid(`type must be one of: ${[...deps.types.keys()].join(', ')} (got "${input.type}").`);
  const format = (input.format ?? 'cutoff') as EventFormat;
  if (eventFormatter(format) === undefined)
    throw invalid(
      `format "${input.format}" is not available in this version; available: ${availableFormats().join(', ')}.`,
    );
  const parsed = type.parseConfig(input.fields);
  if (!parsed.ok) throw invalid(parsed.errors.join(' '));
  const { config, secrets } = parsed.value;
  const secretNames = Object.keys(secrets).sort();
  const now = ctx.clock.now();
  const record: DestinationRecord = {
    name: input.name,
    type: input.type,
    format,
    config,
    sealedSecrets:
      secretNames.length === 0
        ? null
        : ctx.sealer.seal(JSON.stringify(secrets), destinationSealContext(input.name)),
    maxAttempts: input.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    deliveredSeq: Math.max(0, (input.fromSeq ?? 1) - 1),
    attempts: 0,
    nextAttemptAt: now,
    lastError: null,
    lastDeliveredAt: null,
    paused: input.paused ?? false,
    createdAt: now,
    updatedAt: now,
  };
  const created = await ctx.store.transaction(async (tx) => {
    const isNew = await tx.destinations.put(record);
    await tx.audit.append(
      auditEvent(requestContext, now, {
        action: 'destination.configured',
        target: { type: 'destination', id: record.name },
        // Field values without secrets: the secret names only, never their values.
        details: {
          created: isNew,
          type: record.type,
          format,
          config,
          secret_fields: secretNames,
          max_attempts: record.maxAttempts,
          paused: record.paused,
          ...(isNew && { from_seq: record.deliveredSeq + 1 }),
        },
      }),
    );
    return isNew;
  });
  deps.wake();
  const stored = await ctx.store.read((r) => r.destinations.find(record.name));
  return { destination: stored ?? record, created };
};

export const removeDestination = async (
  deps: DestinationsDeps,
  name: string,
  requestContext: RequestContext,
): Promise<void> => {
  const now = deps.ctx.clock.now();
  await deps.ctx.store.transaction(async (tx) => {
    const existing = await tx.destinations.find(name);
    if (existing === undefined || !(await tx.destinations.delete(name)))
      throw new CutoffError('ERR_NOT_FOUND', { message: 'No destination with that name.' });
    await tx.audit.append(
      auditEvent(requestContext, now, {
        action: 'destination.removed',
        target: { type: 'destination', id: name },
        details: { type: existing.type, delivered_seq: existing.deliveredSeq },
      }),
    );
  });
  deps.wake();
};

/** Sends the destination every event from `fromSeq` on again, with the same ids (receivers dedupe). */
export const replayDestination = async (
  deps: DestinationsDeps,
  name: string,
  fromSeq: number,
  requestContext: RequestContext,
): Promise<DestinationRecord> => {
  const now = deps.ctx.clock.now();
  await deps.ctx.store.transaction(async (tx) => {
    const existing = await tx.destinations.find(name);
    if (existing === undefined)
      throw new CutoffError('ERR_NOT_FOUND', { message: 'No destination with that name.' });
    const head = await tx.destinations.auditHead();
    if (fromSeq > head + 1)
      throw invalid(
        `from_seq ${fromSeq} is past the head of the audit trail (${head}); use at most ${head + 1}.`,
      );
    await tx.destinations.rewind(name, fromSeq, now);
    await tx.audit.append(
      auditEvent(requestContext, now, {
        action: 'destination.replayed',
        target: { type: 'destination', id: name },
        details: { from_seq: fromSeq, previous_delivered_seq: existing.deliveredSeq },
      }),
    );
  });
  deps.wake();
  const stored = await deps.ctx.store.read((r) => r.destinations.find(name));
  if (stored === undefined)
    throw new CutoffError('ERR_NOT_FOUND', { message: 'No destination with that name.' });
  return stored;
};

/** Asks the worker to send one dead-lettered event again (out of order; its id is unchanged). */
export const retryDeadLetter = async (
  deps: DestinationsDeps,
  name: string,
  seq: number,
  requestContext: RequestContext,
): Promise<void> => {
  const now = deps.ctx.clock.now();
  await deps.ctx.store.transaction(async (tx) => {
    if (!(await tx.destinations.requestRetry(name, seq)))
      throw new CutoffError('ERR_NOT_FOUND', {
        message: `No dead letter at seq ${seq} for that destination.`,
      });
    await tx.audit.append(
      auditEvent(requestContext, now, {
        action: 'destination.dead_letter_retried',
        target: { type: 'destination', id: name },
        details: { seq },
      }),
    );
  });
  deps.wake();
};
