import { Type } from 'typebox';
import { UserinfoError, userinfo } from '../../../use-cases/oidc/userinfo.js';
import { parseBearer } from '../../api-key-authenticator.js';
import type { FastifyTypebox } from '../../fastify-typebox.js';
import type { RouteDeps } from '../../route-deps.js';
import { OAuthErrorBody } from '../../schemas.js';
import type { FastifyReply, FastifyRequest } from 'fastify';

const UserinfoBody = Type.Object({ sub: Type.String() }, { additionalProperties: true });

export const userinfoRoutes = (app: FastifyTypebox, deps: RouteDeps): void => {
  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    const token = parseBearer(request.headers.authorization);
    if (token === undefined) {
      return reply
        .status(401)
        .header('www-authenticate', 'Bearer realm="cutoff"')
        .send({ error: 'invalid_token', error_description: 'A Bearer access token is required.' });
    }
    try {
      return reply.header('cache-control', 'no-store').send(await userinfo(deps.ctx, token));
    } catch (error) {
      if (!(error instanceof UserinfoError)) throw error;
      const status = error.error === 'insufficient_scope' ? 403 : 401;
      return reply
        .status(status)
        .header('www-authenticate', `Bearer realm="cutoff", error="${error.error}"`)
        .send({ error: error.error, error_description: error.description });
    }
  };
  const schema = {
    tags: ['oidc'],
    summary: "The claims of the access token's scopes (OpenID Connect userinfo)",
    security: [{ accessToken: [] }],
    description:
      "OpenID Connect userinfo: the claims of the access token's scopes (`openid` required; `email`, `profile`, `groups`). Revoked tokens and ended sessions get 401.",
    response: { 200: UserinfoBody, 401: OAuthErrorBody, 403: OAuthErrorBody },
  };
  app.get('/oauth/userinfo', { schema: { ...schema, operationId: 'getUserinfo' } }, handler);
  app.post('/oauth/userinfo', { schema: { ...schema, operationId: 'postUserinfo' } }, handler);
};
