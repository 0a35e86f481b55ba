import type { FastifyTypebox } from '../fastify-typebox.js';
import type { RouteDeps } from '../route-deps.js';

export const wellKnownRoutes = (app: FastifyTypebox, deps: RouteDeps): void => {
  const { issuer } = deps.config;
  app.get(
    '/.well-known/oauth-authorization-server',
    {
      schema: {
        tags: ['discovery'],
        security: [],
        operationId: 'getAuthorizationServerMetadata',
        summary: 'OAuth 2.0 authorization server metadata (RFC 8414)',
      },
    },
    () => ({
      issuer,
      token_endpoint: `${issuer}/oauth/token`,
      revocation_endpoint: `${issuer}/oauth/revoke`,
      introspection_endpoint: `${issuer}/oauth/introspect`,
      jwks_uri: `${issuer}/.well-known/jwks.json`,
      grant_types_supported: ['refresh_token', 'client_credentials'],
      response_types_supported: [],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
      revocation_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
      introspection_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'bearer'],
      access_token_signing_alg_values_supported: ['RS256', 'ES256', 'EdDSA'],
      cutoff_revocation_feed: `${issuer}/v1/revocations`,
      cutoff_revocation_stream: `${issuer}/v1/revocations/stream`,
    }),
  );
  app.get(
    '/.well-known/jwks.json',
    {
      schema: {
        tags: ['discovery'],
        security: [],
        operationId: 'getJwks',
        summary: 'The public keys that verify access tokens (current and previous)',
      },
    },
    async (_request, reply) =>
      reply.header('cache-control', 'public, max-age=60').send(await deps.ctx.signer.jwks()),
  );
};
