import { isDowngrade, normalizeNames } from '../../domain/claims.js';
import { CutoffError } from '../../domain/errors.js';
import type { UserId } from '../../domain/ids.js';
import { requireAcceptablePassword } from '../../domain/password-policy.js';
import type { RevocationReason } from '../../domain/revocation-plan.js';
import type { RevocationRecord, UserRecord } from '../../domain/records.js';
import type { StoreTx } from '../../ports/storage/store.js';
import type { UserPatch } from '../../ports/storage/users.js';
import type { RequestContext, UseCaseContext } from '../context.js';
import { applyRevocation } from '../revocation/apply-revocation.js';
import { auditEvent, type AuditEventInput } from '../audit/audit-event.js';

export interface UpdateUserInput {
  readonly email?: string | null | undefined;
  readonly password?: string | undefined;
  readonly roles?: readonly string[] | undefined;
  readonly groups?: readonly string[] | undefined;
  readonly active?: boolean | undefined;
}

export interface UpdateUserResult {
  readonly user: UserRecord;
  /** Set when the change cut the user's existing sessions off. */
  readonly revocation: { readonly entry: RevocationRecord; readonly sessionsRevoked: number } | null;
}

/**
 * Why an update must cut the user's sessions: their tokens carry what was just taken away.
 * Deactivation wins over a credential change, which wins over a downgrade.
 */
const revocationReasonFor = (before: UserRecord, input: UpdateUserInput): RevocationReason | null => {
  if (input.active === false && before.active) return 'offboarding';
  if (input.password !== undefined) return 'credential_change';
  if (input.roles !== undefined && isDowngrade(before.roles, input.roles)) return 'role_change';
  if (input.groups !== undefined && isDowngrade(before.groups, input.groups)) return 'role_change';
  return null;
};

export interface UpdateUserOptions {
  /** Runs first inside the update's transaction (e.g. recording a webhook event id); throwing undoes it all. */
  readonly within?: (tx: StoreTx) => Promise<void>;
  /** Extra non-secret context for the audit events (e.g. the webhook event that caused the change). */
  readonly auditDetails?: Readonly<Record<string, unknown>>;
}

export const updateUser = async (
  ctx: UseCaseContext,
  id: UserId,
  input: UpdateUserInput,
  requestContext: RequestContext,
  options: UpdateUserOptions = {},
): Promise<UpdateUserResult> => {
  requireAcceptablePassword(input.password);
  const now = ctx.clock.now();
  const passwordHash = input.password === undefined ? undefined : await ctx.passwords.hash(input.password);
  const patch: UserPatch = {
    updatedAt: now,
    ...(input.email !== undefined && { email: input.email }),
    ...(passwordHash !== undefined && { passwordHash }),
    ...(input.roles !== undefined && { roles: normalizeNames(input.roles) }),
    ...(input.groups !== undefined && { groups: normalizeNames(input.groups) }),
    ...(input.active !== undefined && { active: input.active }),
  };
  const result = await ctx.store.transaction(async (tx) => {
    await options.within?.(tx);
    const before = await tx.users.findById(id);
    if (before === undefined) throw new CutoffError('ERR_NOT_FOUND', { message: 'No user with that id.' });
    const user = await tx.users.update(id, patch);
    if (user === undefined) throw new CutoffError('ERR_NOT_FOUND', { message: 'No user with that id.' });
    const updated: AuditEventInput = {
      action: 'user.updated',
      target: { type: 'user', id },
      details: {
        changed: Object.keys(input).filter((key) => input[key as keyof UpdateUserInput] !== undefined),
        ...(input.roles !== undefined && { roles_before: before.roles, roles_after: user.roles }),
        ...(input.groups !== undefined && { groups_before: before.groups, groups_after: user.groups }),
        ...(input.active !== undefined && { active: user.active }),
        ...options.auditDetails,
      },
    };
    const reason = revocationReasonFor(before, input);
    if (reason === null) {
      await tx.audit.append(auditEvent(requestContext, now, updated));
      return { user, revocation: null };
    }
    // `user.updated` goes in as the revocation's cause: appended after its row locks.
    const revocation = await applyRevocation(
      ctx,
      tx,
      {
        target: { type: 'user', id },
        reason,
        ...(options.auditDetails !== undefined && { details: options.auditDetails }),
        triggeredBy: updated,
      },
      requestContext,
    );
    return { user, revocation };
  });
  return result;
};
