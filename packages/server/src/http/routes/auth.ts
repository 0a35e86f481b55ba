import { Type } from 'typebox';
import { CutoffError } from '../../domain/errors.js';
import { login } from '../../use-cases/auth/login.js';
import { logout } from '../../use-cases/auth/logout.js';
import { parseBearer } from '../api-key-authenticator.js';
import type { FastifyTypebox } from '../fastify-typebox.js';
import { requestContext, requestInfo } from '../request-context.js';
import type { RouteDeps } from '../route-deps.js';
import { ErrorBody, LoginBody, TokenResponseBody } from '../schemas.js';

const tags = ['auth'];

export const authRoutes = (app: FastifyTypebox, deps: RouteDeps): void => {
  app.post(
    '/v1/auth/login',
    {
      schema: {
        operationId: 'login',
        security: [],
        summary: 'Log in with a password (and TOTP)',
        tags,
        description:
          'Password (+ TOTP when enrolled) login. Creates a session; returns an access and a refresh token.',
        body: LoginBody,
        response: { 200: TokenResponseBody, 401: ErrorBody, 429: ErrorBody },
      },
    },
    async (request, reply) => {
      const { body } = request;
      try {
        const tokens = await login(
          deps.ctx,
          { username: body.username, password: body.password, totp: body.totp, clientId: body.client_id },
          requestContext(request, { type: 'user', id: body.username }),
        );
        deps.metrics.logins.inc({ result: 'success' });
        return reply.header('cache-control', 'no-store').send({
          access_token: tokens.accessToken,
          refresh_token: tokens.refreshToken,
          token_type: 'Bearer' as const,
          expires_in: tokens.expiresIn,
          session_id: tokens.sessionId,
        });
      } catch (error) {
        deps.metrics.logins.inc({ result: error instanceof CutoffError ? error.error : 'error' });
        throw error;
      }
    },
  );

  app.post(
    '/v1/auth/logout',
    {
      // The access token is verified by the handler; a request without one is refused first.
      onRequest: (request, _reply, done) => {
        done(
          parseBearer(request.headers.authorization) === undefined
            ? new CutoffError('ERR_UNAUTHENTICATED')
            : undefined,
        );
      },
      schema: {
        operationId: 'logout',
        security: [{ accessToken: [] }],
        summary: 'End the session of an access token',
        tags,
        description:
          'Ends the session of the presented access token: its refresh tokens and access tokens stop working.',
        response: {
          200: Type.Object({ session_id: Type.String(), status: Type.Literal('revoked') }),
          401: ErrorBody,
        },
      },
    },
    async (request) => {
      const token = parseBearer(request.headers.authorization);
      if (token === undefined) throw new CutoffError('ERR_UNAUTHENTICATED');
      const { sessionId } = await logout(deps.ctx, token, requestInfo(request));
      return { session_id: sessionId, status: 'revoked' as const };
    },
  );
};
