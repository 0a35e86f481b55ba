import { CutoffError } from '../../domain/errors.js';
import { eventIdOf, evaluateMappings, type HookActionPlan } from '../../domain/hooks/evaluate-mapping.js';
import type { HookMapping, HookSource } from '../../domain/hooks/hooks-config.js';
import { findHostileValue, MAX_INPUT_DEPTH } from '../../domain/input/hostile-value.js';
import { SIGNATURE_PROBLEM_MESSAGES, verifySignature } from '../../domain/hooks/signature.js';
import type { Actor, UserRecord } from '../../domain/records.js';
import { toNumericDate } from '../../ports/clock.js';
import type { StoreTx } from '../../ports/storage/store.js';
import { auditEvent } from '../audit/audit-event.js';
import type { RequestContext, UseCaseContext } from '../context.js';
import { respondToIncident, type NotificationOutcome } from '../incident/respond-to-incident.js';
import { applyRevocation } from '../revocation/apply-revocation.js';
import { updateUser } from '../users/update-user.js';
import { findUserByRef } from './find-user.js';

export interface WebhookDelivery {
  readonly source: string;
  /** The body exactly as received: the signature covers these bytes. */
  readonly rawBody: Buffer;
  readonly signatureHeader: string | undefined;
  /** Where the request came from (the actor is the source). */
  readonly request: RequestContext['request'];
}

interface Common {
  readonly source: string;
  readonly eventId: string;
}

export type WebhookResult =
  | (Common & { readonly matched: false; readonly detail: string })
  | (Common & {
      readonly matched: true;
      readonly applied: false;
      readonly action: HookActionPlan['type'];
      readonly mapping: string;
      readonly detail: string;
    })
  | (Common & {
      readonly matched: true;
      readonly applied: true;
      readonly action: HookActionPlan['type'];
      readonly mapping: string;
      readonly userId: string;
      readonly revocation: {
        readonly id: string;
        readonly seq: number;
        readonly reason: string;
        readonly sessionsRevoked: number;
      } | null;
      readonly deactivated?: boolean;
      readonly roles?: readonly string[];
      readonly mfaRequired?: boolean;
      readonly incidentId?: string;
      readonly notifications?: readonly NotificationOutcome[];
    });

const signatureError = (message: string): CutoffError =>
  new CutoffError('ERR_WEBHOOK_SIGNATURE', { message });

/** Records the event id in the caller's transaction; a second delivery of it undoes everything. */
const recordEvent =
  (ctx: UseCaseContext, source: string, eventId: string) =>
  async (tx: StoreTx): Promise<void> => {
    if (!(await tx.webhookEvents.recordOnce(source, eventId, ctx.clock.now()))) {
      throw new CutoffError('ERR_WEBHOOK_REPLAY', { detail: `replay of ${source} event ${eventId}` });
    }
  };

/** `webhook.ignored`, committed with the event id so the same event is not considered again. */
const ignore = async (
  ctx: UseCaseContext,
  requestContext: RequestContext,
  common: Common,
  details: Readonly<Record<string, unknown>>,
  target: { readonly type: string; readonly id: string } | null = null,
): Promise<void> => {
  await ctx.store.transaction(async (tx) => {
    await recordEvent(ctx, common.source, common.eventId)(tx);
    await tx.audit.append(
      auditEvent(requestContext, ctx.clock.now(), {
        action: 'webhook.ignored',
        target,
        details: { source: common.source, event_id: common.eventId, ...details },
      }),
    );
  });
};

const authenticate = (ctx: UseCaseContext, delivery: WebhookDelivery): HookSource => {
  const source = ctx.config.hooks.sources.get(delivery.source);
  if (source === undefined) throw signatureError('Unknown webhook source.');
  const verdict = verifySignature({
    header: delivery.signatureHeader,
    body: delivery.rawBody,
    secrets: source.secrets,
    nowSeconds: toNumericDate(ctx.clock.now()),
  });
  if (!verdict.ok) throw signatureError(SIGNATURE_PROBLEM_MESSAGES[verdict.problem]);
  return source;
};

const parseJson = (rawBody: Buffer): unknown => {
  let payload: unknown;
  try {
    payload = JSON.parse(rawBody.toString('utf8')) as unknown;
  } catch {
    throw new CutoffError('ERR_VALIDATION', { message: 'The webhook body is not valid JSON.' });
  }
  // The body reaches the store (event id, user lookup): what the HTTP edge refuses elsewhere.
  const problem = findHostileValue(payload);
  if (problem !== undefined) {
    throw new CutoffError('ERR_VALIDATION', {
      message:
        problem.kind === 'nul'
          ? `The webhook body contains a NUL character at ${problem.at}.`
          : `The webhook body nests deeper than ${MAX_INPUT_DEPTH} levels at ${problem.at}.`,
    });
  }
  return payload;
};

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
  const source = authenticate(ctx, delivery);
  const payload = parseJson(delivery.rawBody);
  const eventId = eventIdOf(source, payload, delivery.rawBody);
  if (eventId === undefined) {
    throw new CutoffError('ERR_VALIDATION', {
      message: `The webhook body has no event id at ${source.eventIdPath ?? '(body hash)'}.`,
    });
  }
  const common: Common = { source: source.name, eventId };
  const actor: Actor = { type: 'webhook', id: source.name };
  const requestContext: RequestContext = { actor, request: delivery.request };

  const outcome = evaluateMappings(source, payload);
  if (outcome.kind === 'invalid') {
    throw new CutoffError('ERR_VALIDATION', {
      message: `The event matches mapping "${outcome.mapping}" but ${outcome.detail}.`,
    });
  }
  if (outcome.kind === 'ignored') {
    await ignore(ctx, requestContext, common, { detail: outcome.detail });
    return { ...common, matched: false, detail: outcome.detail };
  }

  const { mapping, plan } = outcome;
  const notApplied = async (detail: string, target: { type: string; id: string } | null = null) => {
    await ignore(
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
    return await apply(ctx, requestContext, common, mapping, plan, lookup.user);
  } catch (error) {
    // The user was deleted between the lookup and the transaction: nothing was applied.
    if (error instanceof CutoffError && error.code === 'ERR_NOT_FOUND') return notApplied('user not found');
    throw error;
  }
};

const apply = async (
  ctx: UseCaseContext,
  requestContext: RequestContext,
  common: Common,
  mapping: HookMapping,
  plan: HookActionPlan,
  user: UserRecord,
): Promise<WebhookResult> => {
  const within = recordEvent(ctx, common.source, common.eventId);
  const details = { source: common.source, mapping: mapping.name, event_id: common.eventId };
  const applied = {
    ...common,
    matched: true as const,
    applied: true as const,
    action: plan.type,
    mapping: mapping.name,
    userId: user.id,
  };
  switch (plan.type) {
    case 'revoke_user': {
      const now = ctx.clock.now();
      const result = await ctx.store.transaction(async (tx) => {
        await within(tx);
        const current = await tx.users.findById(user.id);
        if (current === undefined) throw new CutoffError('ERR_NOT_FOUND');
        const deactivated = plan.deactivate && current.active;
        if (deactivated) await tx.users.update(user.id, { active: false, updatedAt: now });
        // `user.updated` goes in as the revocation's cause: appended after its row locks.
        const revocation = await applyRevocation(
          ctx,
          tx,
          {
            target: { type: 'user', id: user.id },
            reason: plan.reason,
            note: plan.note ?? undefined,
            details,
            ...(deactivated && {
              triggeredBy: {
                action: 'user.updated',
                target: { type: 'user', id: user.id },
                details: { changed: ['active'], active: false, ...details },
              },
            }),
          },
          requestContext,
        );
        return { revocation, deactivated };
      });
      return {
        ...applied,
        deactivated: result.deactivated,
        revocation: {
          id: result.revocation.entry.id,
          seq: result.revocation.entry.seq,
          reason: result.revocation.entry.reason,
          sessionsRevoked: result.revocation.sessionsRevoked,
        },
      };
    }
    case 'security_incident': {
      const result = await respondToIncident(
        ctx,
        {
          userId: user.id,
          note: plan.note ?? undefined,
          phone: plan.phone,
          severity: plan.severity,
          details,
        },
        requestContext,
        { within },
      );
      return {
        ...applied,
        mfaRequired: true,
        incidentId: result.incidentId,
        notifications: result.notifications,
        revocation: {
          id: result.revocation.entry.id,
          seq: result.revocation.entry.seq,
          reason: result.revocation.entry.reason,
          sessionsRevoked: result.revocation.sessionsRevoked,
        },
      };
    }
    case 'role_update': {
      const result = await updateUser(ctx, user.id, { roles: plan.roles }, requestContext, {
        within,
        auditDetails: details,
      });
      return {
        ...applied,
        roles: result.user.roles,
        revocation:
          result.revocation === null
            ? null
            : {
                id: result.revocation.entry.id,
                seq: result.revocation.entry.seq,
                reason: result.revocation.entry.reason,
                sessionsRevoked: result.revocation.sessionsRevoked,
              },
      };
    }
  }
};
