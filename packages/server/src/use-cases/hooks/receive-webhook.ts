import { CutoffError } from '../../domain/errors.js';
import { eventIdOf, evaluateMappings } from '../../domain/hooks/evaluate-mapping.js';
import type { Actor } from '../../domain/records.js';
import type { RequestContext, UseCaseContext } from '../context.js';
import { applyWebhookPlan } from './apply-webhook-plan.js';
import { authenticateWebhook, parseWebhookBody } from './authenticate-webhook.js';
import { findUserByRef } from './find-user.js';
import { recordIgnoredWebhook } from './record-webhook-event.js';
import type { WebhookEventRef, WebhookResult } from './webhook-result.js';

export type { WebhookResult } from './webhook-result.js';

export interface WebhookDelivery {
  readonly source: string;
  /** The body exactly as received: the signature covers these bytes. */
  readonly rawBody: Buffer;
  readonly signatureHeader: string | undefined;
  /** Where the request came from (the actor is the source). */
  readonly request: RequestContext['request'];
}

/**
 * A signed business event (HR termination, ITSM ticket, SIEM alert, role change) turned into the
 * action its mapping names. Nothing changes unless the signature verifies within the tolerance
 * and the event id is new; the event id is recorded in the same transaction as the effect, so a
 * replay (or a concurrent duplicate) is refused and applies nothing.
 */
export const receiveWebhook = async (
  ctx: UseCaseContext,
  delivery: WebhookDelivery,
): Promise<WebhookResult> => {
  const source = authenticateWebhook(ctx, delivery);
  const payload = parseWebhookBody(delivery.rawBody);
  const eventId = eventIdOf(source, payload, delivery.rawBody);
  if (eventId === undefined) {
    throw new CutoffError('ERR_VALIDATION', {
      message: `The webhook body has no event id at ${source.eventIdPath ?? '(body hash)'}.`,
    });
  }
  const common: WebhookEventRef = { source: source.name, eventId };
  const actor: Actor = { type: 'webhook', id: source.name };
  const requestContext: RequestContext = { actor, request: delivery.request };

  const outcome = evaluateMappings(source, payload);
  if (outcome.kind === 'invalid') {
    throw new CutoffError('ERR_VALIDATION', {
      message: `The event matches mapping "${outcome.mapping}" but ${outcome.detail}.`,
    });
  }
  if (outcome.kind === 'ignored') {
    await recordIgnoredWebhook(ctx, requestContext, common, { detail: outcome.detail });
    return { ...common, matched: false, detail: outcome.detail };
  }

  const { mapping, plan } = outcome;
  const notApplied = async (detail: string, target: { type: string; id: string } | null = null) => {
    await recordIgnoredWebhook(
      ctx,
      requestContext,
      common,
      { mapping: mapping.name, action: plan.type, detail, user: plan.user },
      target,
    );
    return {
      ...common,
      matched: true as const,
      applied: false as const,
      action: plan.type,
      mapping: mapping.name,
      detail,
    };
  };
  const lookup = await ctx.store.read((r) => findUserByRef(r.users, plan.user));
  if (lookup.kind === 'missing') return notApplied('user not found');
  if (lookup.kind === 'ambiguous') return notApplied(`${lookup.count} users have this ${plan.user.by}`);

  try {
    return await applyWebhookPlan(ctx, requestContext, common, mapping, plan, lookup.user);
  } catch (error) {
    // The user was deleted between the lookup and the transaction: nothing was applied.
    if (error instanceof CutoffError && error.code === 'ERR_NOT_FOUND') return notApplied('user not found');
    throw error;
  }
};
