import { normalizeNames } from '../../domain/claims.js';
import { newUserId } from '../new-ids.js';
import { CutoffError } from '../../domain/errors.js';
import type { Actor, UserRecord } from '../../domain/records.js';
import { normalizeUsername } from '../../domain/username.js';
import { randomSecret } from '../../lib/secrets.js';
import type { RequestContext, UseCaseContext } from '../context.js';
import { auditEvent } from '../audit/audit-event.js';

/** The reserved account the canary logs in as. */
export const CANARY_USERNAME = 'cutoff-canary';

/**
 * Refuses the canary's username (in any letter case: usernames compare case-insensitively) for
 * anyone else, wherever a username is set (`POST /v1/users`, SCIM create, SCIM rename): the
 * canary resets this account's password, groups and roles every cycle. An `ERR_CONFLICT` (409;
 * `uniqueness` on SCIM), as if the name were taken, which it is, by the canary.
 */
export const requireUnreservedUsername = (username: string): void => {
  if (normalizeUsername(username) === CANARY_USERNAME)
    throw new CutoffError('ERR_CONFLICT', {
      message: `The username ${CANARY_USERNAME} is reserved for the canary.`,
    });
};

export const CANARY_ACTOR: Actor = { type: 'canary', id: 'canary' };
/** What the canary's requests look like in audit events (no address: it runs inside the server). */
export const CANARY_REQUEST_CONTEXT: RequestContext = {
  actor: CANARY_ACTOR,
  request: { ip: null, user_agent: 'cutoff-canary' },
};

/**
 * Makes sure the canary account exists with the configured groups and roles and gives it a fresh
 * random password, returned for this cycle's login only. A new password per cycle means no
 * password is ever stored, sealed or not: a copy of the database cannot log in as the canary.
 * Costs one argon2id hash per cycle (tens of milliseconds). Only one cycle runs at a time across
 * replicas (the run lease), so two cycles never race on the password.
 */
export const prepareCanaryAccount = async (
  ctx: UseCaseContext,
): Promise<{ readonly user: UserRecord; readonly password: string }> => {
  const password = randomSecret('canary_pw_');
  const passwordHash = await ctx.passwords.hash(password);
  const now = ctx.clock.now();
  const groups = normalizeNames(ctx.config.canaryGroups);
  const roles = normalizeNames(ctx.config.canaryRoles);
  const user = await ctx.store.transaction(async (tx) => {
    const existing = await tx.users.findByUsername(CANARY_USERNAME);
    if (existing === undefined) {
      const created: UserRecord = {
        id: newUserId(),
        username: CANARY_USERNAME,
        email: null,
        passwordHash,
        roles,
        groups,
        active: true,
        totpSecret: null,
        mfaRequired: false,
        createdAt: now,
        updatedAt: now,
      };
      await tx.users.insert(created);
      await tx.audit.append(
        auditEvent(CANARY_REQUEST_CONTEXT, now, {
          action: 'user.created',
          target: { type: 'user', id: created.id },
          reason: 'canary',
          details: { username: CANARY_USERNAME, roles, groups },
        }),
      );
      return created;
    }
    // A TOTP secret or step-up on this account would make every cycle fail at login: the canary
    // proves revocation, not MFA, and its password never leaves the server.
    const updated = await tx.users.update(existing.id, {
      passwordHash,
      roles,
      groups,
      active: true,
      totpSecret: null,
      mfaRequired: false,
      updatedAt: now,
    });
    if (updated === undefined)
      throw new CutoffError('ERR_CONFLICT', { message: 'The canary account vanished.' });
    return updated;
  });
  return { user, password };
};
