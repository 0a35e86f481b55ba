import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { Type } from 'typebox';
import { authorizationCodeGrant } from '../../use-cases/oidc/authorization-code-grant.js';
import { clientCredentialsGrant } from '../../use-cases/oauth/client-credentials-grant.js';
import { BearerTokenError, OAuthError } from '../../use-cases/oauth/oauth-error.js';
import { refreshTokenGrant } from '../../use-cases/oauth/refresh-token-grant.js';
import { revokeToken } from '../../use-cases/oauth/revoke-token.js';
import { hasScope, parseBearer } from '../api-key-authenticator.js';
import { authenticateClient, hasClientAssertion } from '../client-authentication.js';
import type { FastifyTypebox } from '../fastify-typebox.js';
import { requestContext } from '../request-context.js';
import type { RouteDeps } from '../route-deps.js';
import { OAuthErrorBody } from '../schemas.js';

const tags = ['oauth'];
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
  client_assertion_type: Type.Optional(Type.String({ maxLength: 128 })),
  client_assertion: Type.Optional(Type.String({ maxLength: 8192 })),
});

const TokenRequestWithToken = Type.Object({
  token: Type.String({ maxLength: 8192 }),
  token_type_hint: Type.Optional(Type.String({ maxLength: 64 })),
  client_id: Type.Optional(Type.String({ maxLength: 256 })),
  client_secret: Type.Optional(Type.String({ maxLength: 512 })),
  client_assertion_type: Type.Optional(Type.String({ maxLength: 128 })),
  client_assertion: Type.Optional(Type.String({ maxLength: 8192 })),
});

const callerAuthenticationFailed = (): OAuthError =>
  new OAuthError('invalid_client', 'Caller authentication failed.');

/** A Bearer API key is checked before the body is read; client credentials may be in the body. */
const authenticateIntrospectionKey =
  (deps: RouteDeps) =>
  async (request: FastifyRequest): Promise<void> => {
    const bearer = parseBearer(request.headers.authorization);
    // A Bearer credential that is not even well-formed (RFC 6750 section 2.1) is a bad token too.
    if (bearer === undefined && /^bearer(\s|$)/i.test(request.headers.authorization ?? '')) {
      throw new BearerTokenError('invalid_token', 'The Bearer credential is malformed.');
    }
    if (bearer === undefined) return;
    // RFC 6750 section 3.1: a Bearer caller gets a Bearer challenge saying what is wrong.
    const principal = await deps.authenticateKey(bearer);
    if (principal === undefined)
      throw new BearerTokenError('invalid_token', 'The API key is unknown or revoked.');
    if (!hasScope(principal, 'introspect')) {
      throw new BearerTokenError(
        'insufficient_scope',
        'The API key lacks the introspect scope.',
        'introspect',
      );
    }
    request.principal = principal;
  };

/** Parsed but not yet validated: a caller with no credential at all learns nothing of the schema. */
const refuseUncredentialedIntrospection = (
  request: FastifyRequest,
  _reply: FastifyReply,
  done: HookHandlerDoneFunction,
): void => {
  const body = request.body as Readonly<Record<string, unknown>> | null | undefined;
  const basic = /^basic /i.test(request.headers.authorization ?? '');
  const posted = typeof body?.client_id === 'string' && typeof body.client_secret === 'string';
  if (request.principal === undefined && !basic && !posted && !hasClientAssertion(body))
    done(callerAuthenticationFailed());
  else done();
};

export const oauthRoutes = (app: FastifyTypebox, deps: RouteDeps): void => {
  app.post(
    '/oauth/token',
    {
      schema: {
        operationId: 'createToken',
        security: [{ clientBasic: [] }, {}],
        summary: 'Exchange a refresh token or client credentials for tokens (RFC 6749)',
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
      const client = await authenticateClient(deps.ctx, request, body);
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
        operationId: 'revokeToken',
        security: [{ clientBasic: [] }, {}],
        summary: 'Revoke a refresh or access token (RFC 7009)',
        tags,
        consumes,
        description:
          'RFC 7009. A refresh token revokes its whole session; an access token is revoked by its jti. A token issued to another client is refused with 400 `unauthorized_client` and nothing is revoked (section 2.1); unknown or invalid tokens answer 200 (section 2.2).',
        body: TokenRequestWithToken,
        response: { 200: Type.Object({}), 400: OAuthErrorBody, 401: OAuthErrorBody },
      },
    },
    async (request) => {
      const client = await authenticateClient(deps.ctx, request, request.body);
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
      onRequest: authenticateIntrospectionKey(deps),
      preValidation: refuseUncredentialedIntrospection,
      schema: {
        operationId: 'introspectToken',
        security: [{ clientBasic: [] }, { apiKey: [] }],
        summary: 'Introspect a token (RFC 7662)',
        tags,
        consumes,
        description:
          'RFC 7662. Callers authenticate as a confidential client (a failure is 401 `invalid_client` with a `Basic` challenge) or with an API key as a Bearer credential (scope `introspect` or `admin`; an unknown key is 401 and a key without the scope 403, with RFC 6750 `Bearer` challenges `invalid_token` / `insufficient_scope`). Revoked, expired, unknown or malformed tokens are `{"active": false}`.',
        body: TokenRequestWithToken,
        response: {
          200: Type.Object({ active: Type.Boolean() }, { additionalProperties: true }),
          401: OAuthErrorBody,
          403: OAuthErrorBody,
        },
      },
    },
    async (request, reply) => {
      // A Bearer API key was checked in onRequest; otherwise the caller is a confidential client.
      if (request.principal === undefined) {
        const client = await authenticateClient(deps.ctx, request, request.body);
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
