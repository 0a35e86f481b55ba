import type { AuthorizationRequest } from '../../domain/oidc-records.js';
import { SECRET_PREFIX, hashSecret, randomSecret } from '../../lib/secrets.js';
import type { UseCaseContext } from '../context.js';
import { authorizationResponseUrl } from './authorization-request.js';
import type { LiveBrowserSession } from './browser-session.js';

/** OpenID Connect Core 1.0 and RFC 6749 4.1.2 ask for short-lived codes; ten minutes at most. */
export const AUTHORIZATION_CODE_TTL_SECONDS = 60;

/**
 * A fresh one-time code for the request, bound to client, redirect URI, PKCE challenge, nonce
 * and browser session; returns the URL to send the browser to. The session's idle lifetime is
 * extended: signing in to an app is activity.
 */
export const issueAuthorizationCode = async (
  ctx: Pick<UseCaseContext, 'store' | 'clock' | 'config'>,
  request: AuthorizationRequest,
  { session }: LiveBrowserSession,
): Promise<string> => {
  const now = ctx.clock.now();
  const code = randomSecret(SECRET_PREFIX.authorizationCode);
  await ctx.store.transaction(async (tx) => {
    await tx.oidc.insertAuthorizationCode({
      codeHash: hashSecret(code),
      clientId: request.clientId,
      redirectUri: request.redirectUri,
      codeChallenge: request.codeChallenge,
      nonce: request.nonce,
      scope: request.scope,
      browserSessionId: session.id,
      userId: session.userId,
      createdAt: now,
      expiresAt: new Date(now.getTime() + AUTHORIZATION_CODE_TTL_SECONDS * 1000),
      usedAt: null,
      issuedSessionId: null,
    });
    const idleExpiresAt = new Date(
      Math.min(
        now.getTime() + ctx.config.sessionIdleTimeoutSeconds * 1000,
        session.absoluteExpiresAt.getTime(),
      ),
    );
    await tx.sessions.touch(session.id, now, idleExpiresAt);
  });
  return authorizationResponseUrl(request.redirectUri, ctx.config.issuer, { code, state: request.state });
};

/** Whether the request needs the user to sign in again despite a live session. */
export const needsFreshLogin = (
  request: AuthorizationRequest,
  { session }: LiveBrowserSession,
  now: Date,
): boolean => {
  if (request.forceLogin) return true;
  if (request.maxAgeSeconds === null) return false;
  const ageSeconds = Math.floor((now.getTime() - session.createdAt.getTime()) / 1000);
  return ageSeconds > request.maxAgeSeconds;
};
