import { parseClientId, parseSessionId, type SessionId } from '../../domain/ids.js';
import type { RequestContext, UseCaseContext } from '../context.js';
import { applyRevocation } from '../revocation/apply-revocation.js';
import { findLiveBrowserSession } from './browser-session.js';

export interface EndSessionInput {
  readonly idTokenHint: string | undefined;
  readonly postLogoutRedirectUri: string | undefined;
  readonly state: string | undefined;
  readonly clientId: string | undefined;
  readonly ssoCookie: string | undefined;
  /** The user pressed "Sign out" on the confirmation page (a same-origin form post). */
  readonly confirmed: boolean;
}

export type EndSessionOutcome =
  | { readonly kind: 'page'; readonly status: number; readonly message: string | undefined }
  | { readonly kind: 'redirect'; readonly location: string }
  /** No `id_token_hint`: ask the user first, so a link elsewhere cannot sign them out (logout CSRF). */
  | { readonly kind: 'confirm' };

/**
 * RP-Initiated Logout 1.0. Ends, through the normal revocation path (audited, in the feed, so
 * every guard rejects their tokens), the relying party's session named by `id_token_hint` and
 * the SSO browser session of the cookie when it belongs to the same user. The browser goes back
 * only to a `post_logout_redirect_uri` registered by the client the hint was issued to.
 */
export const endSession = async (
  ctx: UseCaseContext,
  input: EndSessionInput,
  requestContext: Omit<RequestContext, 'actor'>,
): Promise<EndSessionOutcome> => {
  const hint =
    input.idTokenHint === undefined
      ? undefined
      : await ctx.signer.verifyIdTokenHint(input.idTokenHint).catch(() => undefined);
  if (input.idTokenHint !== undefined && hint === undefined)
    return {
      kind: 'page',
      status: 400,
      message: 'The id_token_hint is not an ID token issued by this server.',
    };
  if (hint !== undefined && input.clientId !== undefined && input.clientId !== hint.aud)
    return { kind: 'page', status: 400, message: 'client_id does not match the id_token_hint.' };
  const clientId = hint?.aud ?? input.clientId;
  let location: string | undefined;
  if (input.postLogoutRedirectUri !== undefined) {
    const knownId = clientId === undefined ? undefined : parseClientId(clientId);
    const client = knownId === undefined ? undefined : await ctx.clients.find(knownId);
    if (client === undefined || !client.postLogoutRedirectUris.includes(input.postLogoutRedirectUri))
      return {
        kind: 'page',
        status: 400,
        message:
          'The post_logout_redirect_uri is not registered for this application, so Cutoff will not send you there.',
      };
    const url = new URL(input.postLogoutRedirectUri);
    if (input.state !== undefined) url.searchParams.set('state', input.state);
    location = url.toString();
  }

  const browser = await findLiveBrowserSession(ctx, input.ssoCookie);
  if (hint === undefined && browser !== undefined && !input.confirmed) return { kind: 'confirm' };
  const targets = new Set<SessionId>();
  const hintSession = hint === undefined ? undefined : parseSessionId(hint.sid);
  if (hintSession !== undefined) targets.add(hintSession);
  if (browser !== undefined && (hint === undefined || browser.user.id === hint.sub))
    targets.add(browser.session.id);
  const actor = { type: 'user' as const, id: hint?.sub ?? browser?.user.id ?? 'unknown' };
  for (const sessionId of targets) {
    const session = await ctx.store.read((r) => r.sessions.findById(sessionId));
    if (session?.status !== 'active') continue;
    await ctx.store.transaction((tx) =>
      applyRevocation(
        ctx,
        tx,
        {
          target: { type: 'session', id: sessionId },
          reason: 'manual',
          details: { trigger: 'rp_initiated_logout' },
        },
        { actor, request: requestContext.request },
      ),
    );
  }
  return location === undefined
    ? { kind: 'page', status: 200, message: undefined }
    : { kind: 'redirect', location };
};
