import type { ClientRecord, RevocationRecord, SessionRecord, UserRecord } from '../../domain/records.js';
import { hashSecret } from '../../lib/secrets.js';
import type { StoreTx } from '../../ports/store.js';
import type { RequestContext, UseCaseContext } from '../context.js';
import { newRefreshToken, userAccessTokenClaims, type TokenResponse } from '../auth/issue-tokens.js';
import { applyRevocation } from '../revocation/apply-revocation.js';
import { OAuthError } from './oauth-error.js';
import { resolveGroupAccess, type GroupAccess } from '../groups/group-access.js';
import { auditEvent } from '../audit/audit-event.js';

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

const invalidGrant = (): OAuthError =>
  new OAuthError('invalid_grant', 'The refresh token is invalid, expired or revoked.');

/** Checks the session may still mint tokens and extends its idle lifetime. */
const continueSession = async (
  ctx: UseCaseContext,
  tx: StoreTx,
  session: SessionRecord,
  now: Date,
): Promise<Outcome> => {
  if (session.status !== 'active') return { kind: 'invalid', why: 'session not active' };
  if (session.idleExpiresAt <= now || session.absoluteExpiresAt <= now)
    return { kind: 'invalid', why: 'session expired' };
  const user = await tx.users.findById(session.userId);
  if (user?.active !== true) return { kind: 'invalid', why: 'user inactive' };
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
 * Rotation with reuse detection. Exactly one of two concurrent uses of a token wins the
 * compare-and-set; the loser is a reuse unless it comes within the grace window, and a reuse
 * revokes the whole session (every token of the family) in the same transaction.
 */
export const refreshTokenGrant = async (
  ctx: UseCaseContext,
  /** `client` is undefined when a public client did not name itself; confidential clients must. */
  input: { readonly refreshToken: string; readonly client: ClientRecord | undefined },
  requestContext: RequestContext,
): Promise<TokenResponse> => {
  const now = ctx.clock.now();
  const presented = await ctx.store.refreshTokens.findByHash(hashSecret(input.refreshToken));
  if (presented === undefined || presented.expiresAt <= now) throw invalidGrant();
  const session = await ctx.store.sessions.findById(presented.sessionId);
  if (session === undefined) throw invalidGrant();
  if (input.client === undefined) {
    const owner = await ctx.store.clients.findById(session.clientId);
    if (owner?.type !== 'public') throw new OAuthError('invalid_client', 'Client authentication failed.');
  } else if (session.clientId !== input.client.id) throw invalidGrant();

  const outcome = await ctx.store.transaction(async (tx): Promise<Outcome> => {
    // Winning the compare-and-set proves the token was still active, so no revocation of its
    // session has committed (revocations kill the session's tokens in the same transaction):
    // the session read above is current enough, and one statement cheaper than a re-read.
    if (await tx.refreshTokens.markRotated(presented.id, now)) return continueSession(ctx, tx, session, now);
    const current = await tx.refreshTokens.findByHash(presented.tokenHash);
    const fresh = await tx.sessions.findById(session.id);
    if (current?.status !== 'rotated' || fresh === undefined)
      return { kind: 'invalid', why: 'token revoked' };
    const withinGrace =
      current.rotatedAt !== null &&
      now.getTime() - current.rotatedAt.getTime() < ctx.config.refreshGraceSeconds * 1000;
    if (withinGrace && fresh.status === 'active') return continueSession(ctx, tx, fresh, now);
    if (fresh.status !== 'active') return { kind: 'invalid', why: 'session not active' };

    await tx.audit.append(
      auditEvent(requestContext, now, {
        action: 'refresh_token.reused',
        target: { type: 'session', id: session.id },
        reason: 'security_incident',
        details: { refresh_token_id: presented.id, user_id: session.userId, client_id: session.clientId },
      }),
    );
    const applied = await applyRevocation(
      ctx,
      tx,
      {
        target: { type: 'session', id: session.id },
        reason: 'security_incident',
        details: { trigger: 'refresh_token_reuse' },
      },
      requestContext,
    );
    return { kind: 'reused', entry: applied.entry };
  });

  switch (outcome.kind) {
    case 'reused':
      ctx.onRevocationCommitted(outcome.entry);
      throw invalidGrant();
    case 'invalid':
      throw invalidGrant();
    case 'issued': {
      const claims = userAccessTokenClaims(ctx, outcome.user, outcome.session, now, outcome.access);
      const accessToken = await ctx.signer.sign(claims);
      return { accessToken, refreshToken: outcome.token, expiresIn: claims.exp - claims.iat };
    }
  }
};
