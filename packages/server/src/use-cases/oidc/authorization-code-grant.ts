import { createHash } from 'node:crypto';
import { newSessionId } from '../new-ids.js';
import type { AuthorizationCodeRecord } from '../../domain/oidc-records.js';
import type { ClientRecord, RevocationRecord, SessionRecord, UserRecord } from '../../domain/records.js';
import { hashSecret, secretsEqual } from '../../lib/secrets.js';
import { toNumericDate } from '../../ports/clock.js';
import type { StoreTx } from '../../ports/storage/store.js';
import { auditEvent, type AuditEventInput } from '../audit/audit-event.js';
import { newRefreshToken, userAccessTokenClaims } from '../auth/issue-tokens.js';
import type { RequestContext, UseCaseContext } from '../context.js';
import { resolveGroupAccess, type GroupAccess } from '../groups/group-access.js';
import { OAuthError } from '../oauth/oauth-error.js';
import { applyRevocation } from '../revocation/apply-revocation.js';
import { acrOf } from './acr.js';

export interface AuthorizationCodeGrantInput {
  readonly code: string;
  readonly redirectUri: string | undefined;
  readonly codeVerifier: string | undefined;
  /** The authenticated (confidential) or named (public) client. */
  readonly client: ClientRecord;
}

export interface AuthorizationCodeTokens {
  readonly accessToken: string;
  readonly refreshToken: string | undefined;
  readonly idToken: string;
  readonly expiresIn: number;
  readonly scope: string;
}

type Outcome =
  | {
      readonly kind: 'issued';
      readonly code: AuthorizationCodeRecord;
      readonly user: UserRecord;
      readonly browser: SessionRecord;
      readonly session: SessionRecord;
      readonly refreshToken: string | undefined;
      readonly access: GroupAccess;
    }
  | { readonly kind: 'replayed'; readonly entry: RevocationRecord | undefined }
  | { readonly kind: 'invalid'; readonly description: string };

const RFC7636_VERIFIER = /^[A-Za-z0-9._~-]{43,128}$/;
const s256 = (verifier: string): string => createHash('sha256').update(verifier).digest('base64url');

/**
 * The bindings of RFC 6749 4.1.3 and RFC 7636 4.6, and RFC 9700 2.1.1's downgrade rule: a code
 * issued without a challenge must not be redeemed with a verifier (an attacker who stripped the
 * challenge from the request would otherwise pass).
 */
const bindingProblem = (code: AuthorizationCodeRecord, input: AuthorizationCodeGrantInput): string | null => {
  if (code.clientId !== input.client.id) return 'The code was issued to another client.';
  if (input.redirectUri !== code.redirectUri) return 'redirect_uri does not match the authorization request.';
  if (code.codeChallenge === null) {
    return input.codeVerifier === undefined ? null : 'code_verifier sent for a code issued without PKCE.';
  }
  if (input.codeVerifier === undefined) return 'code_verifier is required.';
  if (!RFC7636_VERIFIER.test(input.codeVerifier)) return 'code_verifier is malformed.';
  return secretsEqual(s256(input.codeVerifier), code.codeChallenge) ? null : 'code_verifier does not match.';
};

/**
 * A second redemption: the code leaked (RFC 6749 4.1.2, RFC 9700 4.5). What the first redemption
 * issued is revoked through the normal revocation path (audited, fed to every guard).
 */
const replayed = async (
  ctx: UseCaseContext,
  tx: StoreTx,
  code: AuthorizationCodeRecord,
  requestContext: RequestContext,
): Promise<Outcome> => {
  const reused: AuditEventInput = {
    action: 'authorization_code.reused',
    target: { type: 'client', id: code.clientId },
    reason: 'security_incident',
    details: { user_id: code.userId, session_id: code.issuedSessionId },
  };
  if (code.issuedSessionId === null) {
    await tx.audit.append(auditEvent(requestContext, ctx.clock.now(), reused));
    return { kind: 'replayed', entry: undefined };
  }
  // The reuse event goes in as the revocation's cause: appended after its row locks.
  const applied = await applyRevocation(
    ctx,
    tx,
    {
      target: { type: 'session', id: code.issuedSessionId },
      reason: 'security_incident',
      details: { trigger: 'authorization_code_reuse' },
      triggeredBy: reused,
    },
    requestContext,
  );
  return { kind: 'replayed', entry: applied.entry };
};

/**
 * `grant_type=authorization_code`. The redemption opens a Cutoff session of the relying party
 * (listed, revocable, its tokens the usual RFC 9068 access token and rotating refresh token),
 * for the user of the SSO browser session the code came from, which must still be live.
 */
export const authorizationCodeGrant = async (
  ctx: UseCaseContext,
  input: AuthorizationCodeGrantInput,
  requestContext: RequestContext,
): Promise<AuthorizationCodeTokens> => {
  const now = ctx.clock.now();
  const codeHash = hashSecret(input.code);
  const outcome = await ctx.store.transaction(async (tx): Promise<Outcome> => {
    const found = await tx.oidc.findAuthorizationCode(codeHash);
    if (found === undefined) return { kind: 'invalid', description: 'The code is invalid.' };
    if (found.usedAt !== null) return replayed(ctx, tx, found, requestContext);
    if (found.expiresAt <= now) return { kind: 'invalid', description: 'The code has expired.' };
    const problem = bindingProblem(found, input);
    if (problem !== null) return { kind: 'invalid', description: problem };
    const code = await tx.oidc.claimAuthorizationCode(codeHash, now);
    // Lost the compare-and-set to a concurrent redemption of the same code: a replay.
    if (code === undefined) return { kind: 'invalid', description: 'The code has already been used.' };

    const browserFound = await tx.sessions.findWithUser(code.browserSessionId);
    if (browserFound === undefined) return { kind: 'invalid', description: 'The sign-in has ended.' };
    const { session: browser, user } = browserFound;
    if (browser.status !== 'active' || browser.absoluteExpiresAt <= now || !user.active)
      return { kind: 'invalid', description: 'The sign-in has ended.' };
    const access = await resolveGroupAccess(tx.groups, user.groups, now);
    if (access.lapsed.length > 0) return { kind: 'invalid', description: 'The sign-in has ended.' };

    const session: SessionRecord = {
      id: newSessionId(),
      userId: user.id,
      clientId: input.client.id,
      status: 'active',
      createdAt: now,
      lastSeenAt: now,
      idleExpiresAt: new Date(now.getTime() + ctx.config.sessionIdleTimeoutSeconds * 1000),
      absoluteExpiresAt: browser.absoluteExpiresAt,
      ip: requestContext.request.ip,
      userAgent: requestContext.request.user_agent,
      amr: browser.amr,
      revokedAt: null,
      revokedReason: null,
      scope: code.scope,
      authTime: browser.createdAt,
    };
    await tx.sessions.insert(session);
    const refresh = input.client.grantTypes.includes('refresh_token')
      ? newRefreshToken(session, now)
      : undefined;
    if (refresh !== undefined) await tx.refreshTokens.insert(refresh.record);
    await tx.oidc.setIssuedSession(codeHash, session.id);
    await tx.audit.append(
      auditEvent({ actor: { type: 'user', id: user.id }, request: requestContext.request }, now, {
        action: 'session.created',
        target: { type: 'session', id: session.id },
        details: {
          user_id: user.id,
          client_id: input.client.id,
          trigger: 'authorization_code',
          sso_session_id: browser.id,
        },
      }),
    );
    return { kind: 'issued', code, user, browser, session, refreshToken: refresh?.token, access };
  });

  if (outcome.kind === 'replayed') {
    throw new OAuthError('invalid_grant', 'The code has already been used.');
  }
  if (outcome.kind === 'invalid') throw new OAuthError('invalid_grant', outcome.description);

  const authTime = toNumericDate(outcome.browser.createdAt);
  // `auth_time`: when the user authenticated at the SSO session (kept by the session for refreshes).
  const claims = userAccessTokenClaims(ctx, outcome.user, outcome.session, now, outcome.access);
  const accessToken = await ctx.signer.sign(claims);
  const idToken = await ctx.signer.signIdToken({
    iss: ctx.config.issuer,
    sub: outcome.user.id,
    aud: input.client.id,
    iat: claims.iat,
    exp: claims.iat + ctx.config.accessTokenTtlSeconds,
    auth_time: authTime,
    sid: outcome.session.id,
    amr: outcome.session.amr,
    acr: acrOf(outcome.session.amr),
    ...(outcome.code.nonce !== null && { nonce: outcome.code.nonce }),
  });
  return {
    accessToken,
    refreshToken: outcome.refreshToken,
    idToken,
    expiresIn: claims.exp - claims.iat,
    scope: outcome.code.scope,
  };
};
