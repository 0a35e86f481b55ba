import { Type } from 'typebox';
import { authorizationCodeGrant } from '../../use-cases/oidc/authorization-code-grant.js';
import { clientCredentialsGrant } from '../../use-cases/oauth/client-credentials-grant.js';
import { OAuthError } from '../../use-cases/oauth/oauth-error.js';
import { refreshTokenGrant } from '../../use-cases/oauth/refresh-token-grant.js';
import { revokeToken } from '../../use-cases/oauth/revoke-token.js';
import { hasScope, parseBearer } from '../api-key-authenticator.js';
import { authenticateClient } from '../client-authentication.js';
import type { FastifyTypebox } from '../fastify-typebox.js';
import { requestContext } from '../request-context.js';
import type { RouteDeps } from '../route-deps.js';

const tags = ['oauth'];
const OAuthErrorBody = Type.Object({ error: Type.String(), error_description: Type.Optional(Type.String()) });
const consumes = ['application/x-www-form-urlencoded'];

const TokenRequest = Type.Object({
  grant_type: Type.String({ maxLength: 64 }),
  refresh_token: Type.Optional(Type.String({ maxLength: 512 })),
  code: Type.Optional(Type.String({ maxLength: 512 })),
  redirect_uri: Type.Optional(Type.String({ maxLength: 2000 })),
  code_verifier: Type.Optional(Type.String({ maxLength: 256 })),
  scope: Type.Optional(Type.String({ maxLength: 1024 })),
  client_id: Type.Optional(Type.String({ maxLength: 256 })),
  client_secret: Type.Optional(Type.String({ maxLength: 512 })),
});

const TokenRequestWithToken = Type.Object({
  token: Type.String({ maxLength: 8192 }),
  token_type_hint: Type.Optional(Type.String({ maxLength: 64 })),
  client_id: Type.Optional(Type.String({ maxLength: 256 })),
  client_secret: Type.Optional(Type.String({ maxLength: 512 })),
});

export const oauthRoutes = (app: FastifyTypebox, deps: RouteDeps): void => {
  app.post(
    '/oauth/token',
    {
      schema: {
        tags,
        consumes,
        description:
          'RFC 6749 token endpoint: `authorization_code` (OpenID Connect; one-time codes bound to client, redirect URI and PKCE, returns an ID token), `refresh_token` (rotating, reuse-detecting) and `client_credentials`.',
        body: TokenRequest,
        response: {
          200: Type.Object({
            access_token: Type.String(),
            token_type: Type.Literal('Bearer'),
            expires_in: Type.Integer(),
            refresh_token: Type.Optional(Type.String()),
            id_token: Type.Optional(Type.String()),
            scope: Type.Optional(Type.String()),
          }),
          400: OAuthErrorBody,
          401: OAuthErrorBody,
        },
      },
    },
    async (request, reply) => {
      const { body } = request;
      const client = await authenticateClient(deps.ctx.clients, request, body);
      const context = requestContext(request, { type: 'client', id: client?.id ?? 'unknown' });
      let tokens: {
        accessToken: string;
        expiresIn: number;
        refreshToken?: string | undefined;
        idToken?: string;
        scope?: string;
      };
      switch (body.grant_type) {
        case 'authorization_code': {
          if (client === undefined) throw new OAuthError('invalid_client', 'Client authentication failed.');
          if (body.code === undefined) throw new OAuthError('invalid_request', 'code is required.');
          if (!client.grantTypes.includes('authorization_code'))
            throw new OAuthError(
              'unauthorized_client',
              'This client may not use the authorization_code grant.',
            );
          tokens = await authorizationCodeGrant(
            deps.ctx,
            { code: body.code, redirectUri: body.redirect_uri, codeVerifier: body.code_verifier, client },
            context,
          );
          break;
        }
        case 'refresh_token': {
          if (body.refresh_token === undefined)
            throw new OAuthError('invalid_request', 'refresh_token is required.');
          try {
            tokens = await refreshTokenGrant(deps.ctx, { refreshToken: body.refresh_token, client }, context);
            deps.metrics.refreshes.inc({ result: 'success' });
          } catch (error) {
            deps.metrics.refreshes.inc({ result: error instanceof OAuthError ? error.error : 'error' });
            throw error;
          }
          break;
        }
        case 'client_credentials': {
          if (client === undefined) throw new OAuthError('invalid_client', 'Client authentication failed.');
          tokens = await clientCredentialsGrant(deps.ctx, { client, scope: body.scope });
          break;
        }
        default:
          throw new OAuthError(
            'unsupported_grant_type',
            'Supported: authorization_code, refresh_token, client_credentials.',
          );
      }
      return reply
        .header('cache-control', 'no-store')
        .header('pragma', 'no-cache')
        .send({
          access_token: tokens.accessToken,
          token_type: 'Bearer' as const,
          expires_in: tokens.expiresIn,
          ...(tokens.refreshToken !== undefined && { refresh_token: tokens.refreshToken }),
          ...(tokens.idToken !== undefined && { id_token: tokens.idToken }),
          ...(tokens.scope !== undefined && { scope: tokens.scope }),
        });
    },
  );

  app.post(
    '/oauth/revoke',
    {
      schema: {
        tags,
        consumes,
        description:
          'RFC 7009. A refresh token revokes its whole session; an access token is revoked by its jti.',
        body: TokenRequestWithToken,
        response: { 200: Type.Object({}), 400: OAuthErrorBody, 401: OAuthErrorBody },
      },
    },
    async (request) => {
      const client = await authenticateClient(deps.ctx.clients, request, request.body);
      if (client === undefined) throw new OAuthError('invalid_client', 'Client authentication failed.');
      await revokeToken(
        deps.ctx,
        { token: request.body.token, client },
        requestContext(request, { type: 'client', id: client.id }),
      );
      return {};
    },
  );

  app.post(
    '/oauth/introspect',
    {
      schema: {
        tags,
        consumes,
        description:
          'RFC 7662. Callers authenticate as a confidential client or with an API key (scope `introspect` or `admin`). Revoked, expired, unknown or malformed tokens are `{"active": false}`.',
        body: TokenRequestWithToken,
        response: {
          200: Type.Object({ active: Type.Boolean() }, { additionalProperties: true }),
          401: OAuthErrorBody,
        },
      },
    },
    async (request, reply) => {
      const bearer = parseBearer(request.headers.authorization);
      if (bearer !== undefined) {
        const principal = await deps.authenticateKey(bearer);
        if (principal === undefined || !hasScope(principal, 'introspect')) {
          throw new OAuthError('invalid_client', 'Caller authentication failed.');
        }
      } else {
        const client = await authenticateClient(deps.ctx.clients, request, request.body);
        if (client?.type !== 'confidential')
          throw new OAuthError('invalid_client', 'Caller authentication failed.');
      }
      // Already JSON text of the schema's shape: Fastify sends strings as they are, skipping a
      // second serialization (the cast only tells the type provider so).
      const json = await deps.introspect(request.body.token);
      return reply
        .header('cache-control', 'no-store')
        .header('content-type', 'application/json; charset=utf-8')
        .send(json as unknown as { active: boolean });
    },
  );
};
