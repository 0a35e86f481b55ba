import { authorize } from '../../../use-cases/oidc/authorize.js';
import { LOGIN_ATTEMPT_TTL_SECONDS } from '../../../use-cases/oidc/hosted-login.js';
import type { FastifyTypebox } from '../../fastify-typebox.js';
import { errorPage } from '../../pages/login-pages.js';
import type { RouteDeps } from '../../route-deps.js';
import { LOGIN_COOKIE, SSO_COOKIE, readCookie, setCookie } from './cookies.js';
import { redirect, sendPage } from './page-reply.js';

export const authorizeRoutes = (app: FastifyTypebox, deps: RouteDeps): void => {
  app.get(
    '/oauth/authorize',
    {
      schema: {
        tags: ['oidc'],
        operationId: 'authorize',
        summary: 'OpenID Connect authorization endpoint (code flow with PKCE)',
        description:
          'OpenID Connect authorization endpoint: `response_type=code` with PKCE S256 (required for public clients), `state`, `nonce`, `prompt=login|none`, `max_age`. Redirects back with `code`, `state` and `iss` (RFC 9207), or to the hosted login. An unknown client or unregistered `redirect_uri` gets an error page, never a redirect.',
        security: [],
      },
    },
    async (request, reply) => {
      const outcome = await authorize(
        deps.ctx,
        request.query as Readonly<Record<string, unknown>>,
        readCookie(request, SSO_COOKIE),
      );
      switch (outcome.kind) {
        case 'page':
          return sendPage(reply, 400, errorPage('Cannot sign you in', outcome.message));
        case 'redirect':
          return redirect(reply, outcome.location);
        case 'login':
          setCookie(
            reply,
            deps.config.issuer,
            LOGIN_COOKIE,
            outcome.attemptCookie,
            LOGIN_ATTEMPT_TTL_SECONDS,
          );
          return redirect(reply, '/login');
      }
    },
  );
};
