import { CutoffError } from '../../domain/errors.js';
import type { HookActionPlan } from '../../domain/hooks/evaluate-mapping.js';
import type { HookMapping } from '../../domain/hooks/hooks-config.js';
import type { UserRecord } from '../../domain/records.js';
import type { RequestContext, UseCaseContext } from '../context.js';
import { respondToIncident } from '../incident/respond-to-incident.js';
import { applyRevocation } from '../revocation/apply-revocation.js';
import { updateUser } from '../users/update-user.js';
import { recordWebhookEvent } from './record-webhook-event.js';
import { summarizeRevocation, type WebhookEventRef, type WebhookResult } from './webhook-result.js';

/** The mapped action on the user, in one transaction with the event id. */
export const applyWebhookPlan = async (
  ctx: UseCaseContext,
  requestContext: RequestContext,
  common: WebhookEventRef,
  mapping: HookMapping,
  plan: HookActionPlan,
  user: UserRecord,
): Promise<WebhookResult> => {
  const within = recordWebhookEvent(ctx, common.source, common.eventId);
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
        revocation: summarizeRevocation(result.revocation),
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
        revocation: summarizeRevocation(result.revocation),
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
        revocation: result.revocation === null ? null : summarizeRevocation(result.revocation),
      };
    }
  }
};
