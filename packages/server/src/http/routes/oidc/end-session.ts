import type { FastifyReply, FastifyRequest } from 'fastify';
import { endSession } from '../../../use-cases/oidc/end-session.js';
import type { FastifyTypebox } from '../../fastify-typebox.js';
import { confirmSignOutPage, continuePage, errorPage, signedOutPage } from '../../pages/login-pages.js';
import { requestInfo } from '../../request-context.js';
import type { RouteDeps } from '../../route-deps.js';
import { SSO_COOKIE, clearCookie, readCookie } from './cookies.js';
import { redirect, sendPage } from './page-reply.js';

const text = (params: Readonly<Record<string, unknown>>, name: string): string | undefined => {
  const value = params[name];
  return typeof value === 'string' && value !== '' && value.length <= 8192 ? value : undefined;
};

/** RP-Initiated Logout 1.0 (`end_session_endpoint`), by GET or form POST. */
export const endSessionRoutes = (app: FastifyTypebox, deps: RouteDeps): void => {
  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    const params = (request.method === 'POST' ? request.body : request.query) as Readonly<
      Record<string, unknown>
    >;
    const input = {
      idTokenHint: text(params ?? {}, 'id_token_hint'),
      postLogoutRedirectUri: text(params ?? {}, 'post_logout_redirect_uri'),
      state: text(params ?? {}, 'state'),
      clientId: text(params ?? {}, 'client_id'),
    };
    const posted = request.method === 'POST';
    const outcome = await endSession(
      deps.ctx,
      {
        ...input,
        ssoCookie: readCookie(request, SSO_COOKIE),
        confirmed: posted && text(params ?? {}, 'confirm') === 'yes',
      },
      { request: requestInfo(request) },
    );
    if (outcome.kind === 'confirm') {
      return sendPage(
        reply,
        200,
        confirmSignOutPage({
          client_id: input.clientId,
          post_logout_redirect_uri: input.postLogoutRedirectUri,
          state: input.state,
        }),
      );
    }
    if (outcome.kind === 'redirect') {
      clearCookie(reply, deps.config.issuer, SSO_COOKIE);
      // After a form post, leaving the origin by redirect would break form-action 'self'.
      return posted
        ? sendPage(reply, 200, continuePage(outcome.location, false))
        : redirect(reply, outcome.location);
    }
    if (outcome.message === undefined) {
      clearCookie(reply, deps.config.issuer, SSO_COOKIE);
      return sendPage(reply, outcome.status, signedOutPage());
    }
    return sendPage(reply, outcome.status, errorPage('Cannot sign you out', outcome.message));
  };
  const schema = {
    tags: ['oidc'],
    summary: 'RP-Initiated Logout: end the SSO session',
    description:
      'RP-Initiated Logout 1.0: ends the relying party session of `id_token_hint` and the SSO browser session (through the revocation feed), then returns to a registered `post_logout_redirect_uri`.',
    security: [],
  };
  app.get('/oauth/end-session', { schema: { ...schema, operationId: 'endSession' } }, handler);
  app.post(
    '/oauth/end-session',
    { schema: { ...schema, operationId: 'endSessionForm', consumes: ['application/x-www-form-urlencoded'] } },
    handler,
  );
};
