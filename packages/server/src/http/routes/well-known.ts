import type { FastifyTypebox } from '../fastify-typebox.js';
import type { RouteDeps } from '../route-deps.js';

import { CLIENT_ASSERTION_ALGS } from '../../use-cases/oauth/client-assertion.js';
import { ID_TOKEN_SIGNING_ALGS } from '../../domain/records.js';
import { ACR_VALUES_SUPPORTED } from '../../use-cases/oidc/acr.js';

const SIGNING_ALGORITHMS = [...ID_TOKEN_SIGNING_ALGS];
const CLIENT_AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'];

/**
 * RFC 8414 metadata. The OpenID Connect discovery document is this plus the OpenID fields, so
 * the two cannot disagree about an endpoint or a capability.
 */
export const authorizationServerMetadata = (issuer: string) => ({
  issuer,
  authorization_endpoint: `${issuer}/oauth/authorize`,
  token_endpoint: `${issuer}/oauth/token`,
  revocation_endpoint: `${issuer}/oauth/revoke`,
  introspection_endpoint: `${issuer}/oauth/introspect`,
  jwks_uri: `${issuer}/.well-known/jwks.json`,
  grant_types_supported: ['authorization_code', 'refresh_token', 'client_credentials'],
  response_types_supported: ['code'],
  response_modes_supported: ['query'],
  code_challenge_methods_supported: ['S256'],
  // RFC 9207: every authorization response carries `iss` (mix-up defence).
  authorization_response_iss_parameter_supported: true,
  scopes_supported: ['openid', 'email', 'profile', 'groups', 'offline_access'],
  token_endpoint_auth_methods_supported: CLIENT_AUTH_METHODS,
  token_endpoint_auth_signing_alg_values_supported: [...CLIENT_ASSERTION_ALGS],
  revocation_endpoint_auth_methods_supported: CLIENT_AUTH_METHODS,
  revocation_endpoint_auth_signing_alg_values_supported: [...CLIENT_ASSERTION_ALGS],
  introspection_endpoint_auth_methods_supported: [
    'client_secret_basic',
    'client_secret_post',
    'private_key_jwt',
    'bearer',
  ],
  introspection_endpoint_auth_signing_alg_values_supported: [...CLIENT_ASSERTION_ALGS],
  access_token_signing_alg_values_supported: SIGNING_ALGORITHMS,
  cutoff_revocation_feed: `${issuer}/v1/revocations`,
  cutoff_revocation_stream: `${issuer}/v1/revocations/stream`,
});

/** OpenID Connect Discovery 1.0 section 3. */
export const openIdConfiguration = (issuer: string) => ({
  ...authorizationServerMetadata(issuer),
  userinfo_endpoint: `${issuer}/oauth/userinfo`,
  end_session_endpoint: `${issuer}/oauth/end-session`,
  subject_types_supported: ['public'],
  id_token_signing_alg_values_supported: SIGNING_ALGORITHMS,
  claims_supported: [
    'iss',
    'sub',
    'aud',
    'exp',
    'iat',
    'auth_time',
    'nonce',
    'sid',
    'amr',
    'acr',
    'email',
    'preferred_username',
    'name',
    'given_name',
    'family_name',
    'groups',
  ],
  prompt_values_supported: ['none', 'login', 'consent'],
  acr_values_supported: [...ACR_VALUES_SUPPORTED],
  backchannel_logout_supported: true,
  backchannel_logout_session_supported: true,
  frontchannel_logout_supported: false,
});

export const wellKnownRoutes = (app: FastifyTypebox, deps: RouteDeps): void => {
  const { issuer } = deps.config;
  const metadata = authorizationServerMetadata(issuer);
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
    () => metadata,
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
