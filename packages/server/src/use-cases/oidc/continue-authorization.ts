import type { AuthorizationRequest } from '../../domain/oidc-records.js';
import type { ClientRecord } from '../../domain/records.js';
import type { UseCaseContext } from '../context.js';
import { acrOf, ACR_MFA } from './acr.js';
import { authorizationResponseUrl } from './authorization-request.js';
import type { LiveBrowserSession } from './browser-session.js';
import { grantCovers } from './consent-grants.js';
import { issueAuthorizationCode } from './issue-authorization-code.js';

/** What a signed-in browser needs before it gets its code. */
export type NextStep =
  /** Nothing: the code, on the redirect URI. */
  | { readonly kind: 'code'; readonly location: string }
  /** The request cannot be met: an error on the redirect URI (with state and iss). */
  | { readonly kind: 'error'; readonly location: string }
  /** A third-party client without a remembered grant for these scopes: the consent page. */
  | { readonly kind: 'consent' }
  /** `acr_values` asked for the second factor and the session has the password only. */
  | { readonly kind: 'mfa' };

/**
 * After sign-in (or with a live SSO session), in this order: the acr the request needs, then
 * consent, then the code. `prompt=none` never shows a page, so what would need one is an error.
 */
export const continueAuthorization = async (
  ctx: Pick<UseCaseContext, 'store' | 'clock' | 'config'>,
  input: {
    readonly request: AuthorizationRequest;
    readonly client: ClientRecord;
    readonly live: LiveBrowserSession;
    readonly promptNone: boolean;
  },
): Promise<NextStep> => {
  const { request, client, live, promptNone } = input;
  const error = (code: string, description: string): NextStep => ({
    kind: 'error',
    location: authorizationResponseUrl(request.redirectUri, ctx.config.issuer, {
      error: code,
      error_description: description,
      state: request.state,
    }),
  });
  if (request.requireMfa === true && acrOf(live.session.amr) !== ACR_MFA) {
    if (live.user.totpSecret === null)
      return error(
        'interaction_required',
        `The user has no second factor enrolled, so ${ACR_MFA} cannot be met.`,
      );
    if (promptNone) return error('interaction_required', 'The user must enter an authentication code.');
    return { kind: 'mfa' };
  }
  if (client.consent === 'required') {
    const grant = await ctx.store.read((r) => r.oidc.findConsentGrant(live.user.id, client.id));
    const remembered = request.forceConsent !== true && grantCovers(grant, request.scope);
    if (!remembered) {
      if (promptNone) return error('consent_required', 'The user has not allowed this application yet.');
      return { kind: 'consent' };
    }
  }
  return { kind: 'code', location: await issueAuthorizationCode(ctx, request, live) };
};
