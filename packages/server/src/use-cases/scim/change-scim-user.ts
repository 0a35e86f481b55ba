import { isDowngrade } from '../../domain/claims.js';
import type { UserId } from '../../domain/ids.js';
import type { RevocationReason } from '../../domain/revocation-plan.js';
import type { RevocationRecord, UserRecord } from '../../domain/records.js';
import { ScimError } from '../../domain/scim/scim-error.js';
import type { UserPatch } from '../../ports/storage/users.js';
import { auditEvent, type AuditEventInput } from '../audit/audit-event.js';
import { requireUnreservedUsername } from '../canary/canary-account.js';
import type { RequestContext, UseCaseContext } from '../context.js';
import { applyRevocation } from '../revocation/apply-revocation.js';
import { checkIfMatch, type WriteOptions } from './scim-resources.js';
import type { ScimUserFields } from './user-resource.js';

export interface ScimUserChange {
  readonly user: UserRecord;
  /** Set when the change cut the user's sessions off. */
  readonly revocation: RevocationRecord | null;
}

export const userNotFound = (): ScimError => ScimError.notFound('No user with that id.');

const sameNames = (a: readonly string[], b: readonly string[]): boolean =>
  a.length === b.length && a.every((name) => b.includes(name));

/**
 * Why the change must cut the user's sessions: deactivation (`offboarding`) wins over a new
 * password (`credential_change`), which wins over a removed role (`role_change`). Reactivation
 * and added roles revoke nothing.
 */
const revocationReasonFor = (
  before: UserRecord,
  after: UserRecord,
  passwordChanged: boolean,
): RevocationReason | null => {
  if (before.active && !after.active) return 'offboarding';
  if (passwordChanged) return 'credential_change';
  if (isDowngrade(before.roles, after.roles)) return 'role_change';
  return null;
};

/** The store patch for `fields` (undefined fields keep their value), and what it changes. */
const diff = (
  before: UserRecord,
  fields: ScimUserFields,
  passwordHash: string | undefined,
  now: Date,
): { readonly patch: UserPatch; readonly changed: readonly string[] } => {
  const changed: string[] = [];
  const patch: { -readonly [K in keyof UserPatch]: UserPatch[K] } = { updatedAt: now };
  // A rename (e.g. Entra after a UPN change): tokens carry the user id, so nothing is revoked.
  if (fields.username !== before.username) {
    patch.username = fields.username;
    changed.push('user_name');
  }
  const text = (
    key: 'email' | 'externalId' | 'displayName' | 'givenName' | 'familyName',
    label: string,
    value: string | null | undefined,
  ): void => {
    if (value === undefined || value === (before[key] ?? null)) return;
    patch[key] = value;
    changed.push(label);
  };
  text('email', 'email', fields.email);
  text('externalId', 'external_id', fields.externalId);
  text('displayName', 'display_name', fields.displayName);
  text('givenName', 'given_name', fields.givenName);
  text('familyName', 'family_name', fields.familyName);
  if (fields.active !== undefined && fields.active !== before.active) {
    patch.active = fields.active;
    changed.push('active');
  }
  if (fields.roles !== undefined && !sameNames(fields.roles, before.roles)) {
    patch.roles = fields.roles;
    changed.push('roles');
  }
  if (passwordHash !== undefined) {
    patch.passwordHash = passwordHash;
    changed.push('password');
  }
  return { patch, changed };
};

/**
 * Commits a SCIM replace or PATCH of a user: `compute` turns the current user into the fields
 * to store. The change, its audit event and any revocation commit together; nothing is written
 * when nothing changes (identity providers re-send unchanged users).
 */
export const changeScimUser = async (
  ctx: UseCaseContext,
  id: UserId,
  compute: (before: UserRecord) => ScimUserFields,
  options: WriteOptions,
  requestContext: RequestContext,
): Promise<ScimUserChange> => {
  const first = await ctx.store.read((r) => r.users.findById(id));
  if (first === undefined) throw userNotFound();
  checkIfMatch(options.ifMatch, first.updatedAt);
  const planned = compute(first);
  if (planned.username !== first.username) requireUnreservedUsername(planned.username);
  // argon2 is slow: decided and hashed before the transaction. Re-sending the current password
  // (identity providers that sync passwords do) is not a change.
  let passwordHash: string | undefined;
  if (planned.password !== undefined && !(await ctx.passwords.verify(first.passwordHash, planned.password))) {
    passwordHash = await ctx.passwords.hash(planned.password);
  }
  const now = ctx.clock.now();
  const result = await ctx.store.transaction(async (tx): Promise<ScimUserChange> => {
    const before = await tx.users.findById(id);
    if (before === undefined) throw userNotFound();
    checkIfMatch(options.ifMatch, before.updatedAt);
    // Recomputed from the user as it is now, so a concurrent change is not overwritten.
    const fields = compute(before);
    if (fields.username !== before.username) requireUnreservedUsername(fields.username);
    if (fields.password !== undefined && before.passwordHash !== first.passwordHash) {
      throw new ScimError(409, undefined, "The user's password changed concurrently; retry the request.");
    }
    const { patch, changed } = diff(before, fields, passwordHash, now);
    if (changed.length === 0) return { user: before, revocation: null };
    const user = await tx.users.update(id, patch);
    if (user === undefined) throw userNotFound();
    const rolesChanged = changed.includes('roles');
    const updated: AuditEventInput = {
      action: 'user.updated',
      target: { type: 'user', id },
      details: {
        source: 'scim',
        changed,
        ...(changed.includes('active') && { active: user.active }),
        ...(rolesChanged && { roles_before: before.roles, roles_after: user.roles }),
      },
    };
    const reason = revocationReasonFor(before, user, passwordHash !== undefined);
    if (reason === null) {
      await tx.audit.append(auditEvent(requestContext, now, updated));
      return { user, revocation: null };
    }
    // `user.updated` goes in as the revocation's cause: appended after its row locks.
    const applied = await applyRevocation(
      ctx,
      tx,
      {
        target: { type: 'user', id },
        reason,
        details: {
          source: 'scim',
          ...(reason === 'role_change' && {
            roles_removed: before.roles.filter((role) => !user.roles.includes(role)),
          }),
        },
        triggeredBy: updated,
      },
      requestContext,
    );
    return { user, revocation: applied.entry };
  });
  return result;
};
