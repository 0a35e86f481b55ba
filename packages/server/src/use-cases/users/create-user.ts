import { normalizeNames } from '../../domain/claims.js';
import { newUserId } from '../new-ids.js';
import { requireAcceptablePassword } from '../../domain/password-policy.js';
import type { UserRecord } from '../../domain/records.js';
import type { RequestContext, UseCaseContext } from '../context.js';
import { auditEvent } from '../audit/audit-event.js';
import { requireUnreservedUsername } from '../canary/canary-account.js';

export interface CreateUserInput {
  readonly username: string;
  readonly email?: string | undefined;
  readonly password?: string | undefined;
  readonly roles?: readonly string[] | undefined;
  readonly groups?: readonly string[] | undefined;
  readonly active?: boolean | undefined;
}

export const createUser = async (
  ctx: UseCaseContext,
  input: CreateUserInput,
  requestContext: RequestContext,
): Promise<UserRecord> => {
  requireAcceptablePassword(input.password);
  requireUnreservedUsername(input.username);
  const now = ctx.clock.now();
  // Hash before the transaction: argon2 is slow and must not hold the write lock.
  const passwordHash = input.password === undefined ? null : await ctx.passwords.hash(input.password);
  const user: UserRecord = {
    id: newUserId(),
    username: input.username,
    email: input.email ?? null,
    passwordHash,
    roles: normalizeNames(input.roles ?? []),
    groups: normalizeNames(input.groups ?? []),
    active: input.active ?? true,
    totpSecret: null,
    mfaRequired: false,
    createdAt: now,
    updatedAt: now,
  };
  await ctx.store.transaction(async (tx) => {
    await tx.users.insert(user);
    await tx.audit.append(
      auditEvent(requestContext, now, {
        action: 'user.created',
        target: { type: 'user', id: user.id },
        details: { username: user.username, roles: user.roles, groups: user.groups },
      }),
    );
  });
  return user;
};
