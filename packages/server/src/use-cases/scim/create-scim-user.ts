import { isCutoffError } from '../../domain/errors.js';
import { newUserId } from '../new-ids.js';
import type { UserRecord } from '../../domain/records.js';
import { ScimError } from '../../domain/scim/scim-error.js';
import { auditEvent } from '../audit/audit-event.js';
import { requireUnreservedUsername } from '../canary/canary-account.js';
import type { RequestContext, UseCaseContext } from '../context.js';
import { parseUserResource } from './user-resource.js';

export const userNameTaken = (): ScimError =>
  new ScimError(409, 'uniqueness', 'A user with this userName already exists.');

/** POST /Users: a new, active (unless `active: false`) user; 409 `uniqueness` on a taken userName. */
export const createScimUser = async (
  ctx: UseCaseContext,
  body: unknown,
  requestContext: RequestContext,
): Promise<UserRecord> => {
  const fields = parseUserResource(body, 'clear');
  requireUnreservedUsername(fields.username);
  // Checked before hashing (argon2 is slow); the insert below still catches a race.
  if ((await ctx.store.read((r) => r.users.findByUsername(fields.username))) !== undefined)
    throw userNameTaken();
  const passwordHash = fields.password === undefined ? null : await ctx.passwords.hash(fields.password);
  const now = ctx.clock.now();
  const user: UserRecord = {
    id: newUserId(),
    username: fields.username,
    email: fields.email ?? null,
    passwordHash,
    roles: fields.roles ?? [],
    groups: [],
    active: fields.active ?? true,
    totpSecret: null,
    mfaRequired: false,
    createdAt: now,
    updatedAt: now,
    externalId: fields.externalId ?? null,
    displayName: fields.displayName ?? null,
    givenName: fields.givenName ?? null,
    familyName: fields.familyName ?? null,
  };
  try {
    await ctx.store.transaction(async (tx) => {
      await tx.users.insert(user);
      await tx.audit.append(
        auditEvent(requestContext, now, {
          action: 'user.created',
          target: { type: 'user', id: user.id },
          details: {
            source: 'scim',
            username: user.username,
            external_id: user.externalId ?? null,
            roles: user.roles,
            active: user.active,
            password_set: passwordHash !== null,
          },
        }),
      );
    });
  } catch (error) {
    if (isCutoffError(error) && error.code === 'ERR_CONFLICT') throw userNameTaken();
    throw error;
  }
  return user;
};
