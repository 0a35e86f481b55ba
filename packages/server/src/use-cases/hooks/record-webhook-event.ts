import { CutoffError } from '../../domain/errors.js';
import type { StoreTx } from '../../ports/storage/store.js';
import { auditEvent } from '../audit/audit-event.js';
import type { RequestContext, UseCaseContext } from '../context.js';
import type { WebhookEventRef } from './webhook-result.js';

/** Records the event id in the caller's transaction; a second delivery of it undoes everything. */
export const recordWebhookEvent =
  (ctx: UseCaseContext, source: string, eventId: string) =>
  async (tx: StoreTx): Promise<void> => {
    if (!(await tx.webhookEvents.recordOnce(source, eventId, ctx.clock.now()))) {
      throw new CutoffError('ERR_WEBHOOK_REPLAY', { detail: `replay of ${source} event ${eventId}` });
    }
  };

/** `webhook.ignored`, committed with the event id so the same event is not considered again. */
export const recordIgnoredWebhook = async (
  ctx: UseCaseContext,
  requestContext: RequestContext,
  event: WebhookEventRef,
  details: Readonly<Record<string, unknown>>,
  target: { readonly type: string; readonly id: string } | null = null,
): Promise<void> => {
  await ctx.store.transaction(async (tx) => {
    await recordWebhookEvent(ctx, event.source, event.eventId)(tx);
    await tx.audit.append(
      auditEvent(requestContext, ctx.clock.now(), {
        action: 'webhook.ignored',
        target,
        details: { source: event.source, event_id: event.eventId, ...details },
      }),
    );
  });
};
