import type { ClientRecord, RevocationRecord, SessionRecord, UserRecord } from '../../domain/records.js';
import { hashSecret } from '../../lib/secrets.js';
import type { StoreTx } from '../../ports/storage/store.js';
import type { RequestContext, UseCaseContext } from '../context.js';
import { newRefreshToken, userAccessTokenClaims, type TokenResponse } from '../auth/issue-tokens.js';
import { applyRevocation } from '../revocation/apply-revocation.js';
import { OAuthError } from './oauth-error.js';
import { resolveGroupAccess, type GroupAccess } from '../groups/group-access.js';

type Outcome =
  | {
      readonly kind: 'issued';
      readonly user: UserRecord;
      readonly session: SessionRecord;
      readonly token: string;
      readonly access: GroupAccess;
    }
  | { readonly kind: 'reused'; readonly entry: RevocationRecord }
  | { readonly kind: 'invalid'; readonly why: string };

interface GrantInput {
  readonly refreshToken: string;
  /** Undefined when a public client did not name itself; confidential clients must. */
  readonly client: ClientRecord | undefined;
}

interface SessionWithUser {
  readonly session: SessionRecord;
  readonly user: UserRecord;
}

/** One answer for every refusal (RFC 6749 5.2); `why` goes to the log only. */
const invalidGrant = (why: string): OAuthError =>
  new OAuthError('invalid_grant', 'The refresh token is invalid, expired or revoked.', why);

/** Checks the session may still mint tokens and extends its idle lifetime. */
const continueSession = async (
  ctx: UseCaseContext,
  tx: StoreTx,
  { session, user }: SessionWithUser,
  now: Date,
): Promise<Outcome> => {
  if (session.status !== 'active') return { kind: 'invalid', why: `session ${session.status}` };
  if (session.idleExpiresAt <= now || session.absoluteExpiresAt <= now)
    return { kind: 'invalid', why: 'session expired' };
  if (!user.active) return { kind: 'invalid', why: 'user inactive' };
  // A member of a group past its end date: the session must not outlive that date.
  const access = await resolveGroupAccess(tx.groups, user.groups, now);
  if (access.lapsed.length > 0) return { kind: 'invalid', why: 'group end date passed' };
  const next = newRefreshToken(session, now);
  await tx.refreshTokens.insert(next.record);
  const idleExpiresAt = new Date(
    Math.min(
      now.getTime() + ctx.config.sessionIdleTimeoutSeconds * 1000,
      session.absoluteExpiresAt.getTime(),
    ),
  );
  await tx.sessions.touch(session.id, now, idleExpiresAt);
  return { kind: 'issued', user, session, token: next.token, access };
};

/**
 * The presenting client must own the session. A public client may leave itself unnamed; a
 * confidential one must authenticate, else anyone holding its refresh token could burn it.
 * Throwing inside the transaction rolls back a rotation already made.
 */
const checkClient = async (
  ctx: UseCaseContext,
  tx: StoreTx,
  client: ClientRecord | undefined,
  session: SessionRecord,
): Promise<void> => {
  if (client !== undefined) {
    if (session.clientId !== client.id) throw invalidGrant('client mismatch');
    return;
  }
  // Clients never change, so one remembered from an earlier request is current.
  let owner = ctx.clients.remembered(session.clientId);
  if (owner === undefined) {
    owner = await tx.clients.findById(session.clientId);
    // This transaction writes no client, so what it reads has committed: safe to remember.
    if (owner !== undefined) ctx.clients.remember(owner);
  }
  if (owner?.type !== 'public')
    throw new OAuthError(
      'invalid_client',
      'Client authentication failed.',
      'a confidential client presented its refresh token unauthenticated',
    );
};

/** A token that lost (or never had) the compare-and-set: a reuse, a race within grace, or garbage. */
const diagnose = async (
  ctx: UseCaseContext,
  tx: StoreTx,
  input: GrantInput,
  tokenHash: string,
  now: Date,
  requestContext: RequestContext,
): Promise<Outcome> => {
  const presented = await tx.refreshTokens.findByHash(tokenHash);
  if (presented === undefined) return { kind: 'invalid', why: 'unknown token' };
  if (presented.expiresAt <= now) return { kind: 'invalid', why: 'token expired' };
  const found = await tx.sessions.findWithUser(presented.sessionId);
  if (found === undefined) return { kind: 'invalid', why: 'no session' };
  const { session } = found;
  await checkClient(ctx, tx, input.client, session);
  if (presented.status !== 'rotated') return { kind: 'invalid', why: 'token revoked' };
  const withinGrace =
    presented.rotatedAt !== null &&
    now.getTime() - presented.rotatedAt.getTime() < ctx.config.refreshGraceSeconds * 1000;
  if (withinGrace && session.status === 'active') return continueSession(ctx, tx, found, now);
  if (session.status !== 'active') return { kind: 'invalid', why: `session ${session.status}` };

  // The reuse event is appended by applyRevocation, after it has locked the refresh tokens and
  // the session: appended here first, its append lock was taken before those row locks, the
  // reverse of a revocation's order, and a reuse racing a revocation of the same session
  // deadlocked on PostgreSQL (broken after deadlock_timeout, 1 s, then retried). Its audit seq
  // still comes just before the revocation's event.
  const applied = await applyRevocation(
    ctx,
    tx,
    {
      target: { type: 'session', id: session.id },
      reason: 'security_incident',
      details: { trigger: 'refresh_token_reuse' },
      triggeredBy: {
        action: 'refresh_token.reused',
        target: { type: 'session', id: session.id },
        reason: 'security_incident',
        details: { refresh_token_id: presented.id, user_id: session.userId, client_id: session.clientId },
      },
    },
    requestContext,
  );
  return { kind: 'reused', entry: applied.entry };
};

/**
 * Rotation with reuse detection. Exactly one of two concurrent uses of a token wins the
 * compare-and-set; the loser is a reuse unless it comes within the grace window, and a reuse
 * revokes the whole session (every token of the family) in the same transaction.
 *
 * The common case is five statements in one transaction: the compare-and-set that is also the
 * lookup, the session with its user, the new token, the session touch (plus one read per group
 * of the user). Everything is read after the compare-and-set, under it, so no revocation can
 * slip in between a read and the rotation.
 */
export const refreshTokenGrant = async (
  ctx: UseCaseContext,
  input: GrantInput,
  requestContext: RequestContext,
): Promise<TokenResponse> => {
  const now = ctx.clock.now();
  const tokenHash = hashSecret(input.refreshToken);
  const outcome = await ctx.store.transaction(async (tx): Promise<Outcome> => {
    const rotated = await tx.refreshTokens.rotate(tokenHash, now);
    if (rotated === undefined) return diagnose(ctx, tx, input, tokenHash, now, requestContext);
    const found = await tx.sessions.findWithUser(rotated.sessionId);
    if (found === undefined) return { kind: 'invalid', why: 'no session' };
    await checkClient(ctx, tx, input.client, found.session);
    return continueSession(ctx, tx, found, now);
  });

  switch (outcome.kind) {
    case 'reused':
      throw invalidGrant('reuse of a rotated token: its session was revoked');
    case 'invalid':
      throw invalidGrant(outcome.why);
    case 'issued': {
      const claims = userAccessTokenClaims(ctx, outcome.user, outcome.session, now, outcome.access);
      const accessToken = await ctx.signer.sign(claims);
      return { accessToken, refreshToken: outcome.token, expiresIn: claims.exp - claims.iat };
    }
  }
};
