import type { UseCaseContext } from '../context.js';
import { authorizationResponseUrl, parseAuthorizationRequest } from './authorization-request.js';
import { findLiveBrowserSession } from './browser-session.js';
import { startLoginAttempt } from './hosted-login.js';
import { continueAuthorization } from './continue-authorization.js';
import { needsFreshLogin } from './issue-authorization-code.js';

export type AuthorizeOutcome =
  | { readonly kind: 'page'; readonly message: string }
  | { readonly kind: 'redirect'; readonly location: string }
  /** The user must sign in: set the pre-login cookie and show the hosted login. */
  | { readonly kind: 'login'; readonly attemptCookie: string };

/**
 * `GET /oauth/authorize`: a code straight away when the browser holds a live SSO session (single
 * sign-on) that meets the request's acr and consent, else the hosted login (or its TOTP step or
 * consent page). The session is checked on every request, so a revocation of
 * the user, their group, role, client, the session itself or everyone sends them to the password
 * page again.
 */
export const authorize = async (
  ctx: UseCaseContext,
  query: Readonly<Record<string, unknown>>,
  ssoCookie: string | undefined,
): Promise<AuthorizeOutcome> => {
  const parsed = await parseAuthorizationRequest(ctx, query);
  if (parsed.kind === 'page') return parsed;
  if (parsed.kind === 'redirect_error') {
    return {
      kind: 'redirect',
      location: authorizationResponseUrl(parsed.redirectUri, ctx.config.issuer, {
        error: parsed.error,
        error_description: parsed.description,
        state: parsed.state,
      }),
    };
  }
  const { request } = parsed;
  const live = await findLiveBrowserSession(ctx, ssoCookie);
  if (live !== undefined && !needsFreshLogin(request, live, ctx.clock.now())) {
    const next = await continueAuthorization(ctx, {
      request,
      client: parsed.client,
      live,
      promptNone: parsed.promptNone,
    });
    switch (next.kind) {
      case 'code':
      case 'error':
        return { kind: 'redirect', location: next.location };
      case 'consent':
        return {
          kind: 'login',
          attemptCookie: await startLoginAttempt(ctx, request, {
            userId: live.user.id,
            consentSessionId: live.session.id,
          }),
        };
      case 'mfa':
        // The SSO session proved the password: the attempt starts at the TOTP step.
        return {
          kind: 'login',
          attemptCookie: await startLoginAttempt(
            ctx,
            { ...request, forceLogin: false },
            { userId: live.user.id },
          ),
        };
    }
  }
  if (parsed.promptNone) {
    return {
      kind: 'redirect',
      location: authorizationResponseUrl(request.redirectUri, ctx.config.issuer, {
        error: 'login_required',
        error_description: 'The user must sign in.',
        state: request.state,
      }),
    };
  }
  // The fresh login has just happened when the attempt completes: it must not ask again.
  return { kind: 'login', attemptCookie: await startLoginAttempt(ctx, { ...request, forceLogin: false }) };
};
