import { Type } from 'typebox';
import { apiKeyIdParam, clientIdParam } from '../id-params.js';
import { createApiKey } from '../../use-cases/admin/create-api-key.js';
import { revokeApiKey } from '../../use-cases/admin/revoke-api-key.js';
import { createClient } from '../../use-cases/admin/create-client.js';
import { resealSecrets } from '../../use-cases/admin/reseal-secrets.js';
import { rotateSigningKey } from '../../use-cases/admin/rotate-signing-key.js';
import type { FastifyTypebox } from '../fastify-typebox.js';
import { presentApiKey, presentClient } from '../presenters.js';
import { backchannelLogoutStatus } from '../../use-cases/oidc/backchannel-logout-status.js';
import { requestContext } from '../request-context.js';
import { principalOf, requireScope, type RouteDeps } from '../route-deps.js';
import {
  ApiKeyBody,
  ClientBody,
  CreateApiKeyBody,
  CreateClientBody,
  BackchannelLogoutStatusBody,
  ErrorBody,
  RevocationReasonSchema,
} from '../schemas.js';

export const adminRoutes = (app: FastifyTypebox, deps: RouteDeps): void => {
  const admin = requireScope(deps, 'admin');

  app.post(
    '/v1/clients',
    {
      onRequest: admin,
      schema: {
        operationId: 'createClient',
        summary: 'Register an OAuth client',
        tags: ['clients'],
        description:
          "Registers a public or confidential client. A confidential client's secret is returned once. OpenID Connect relying parties register `redirect_uris` (https, or http on a loopback address; no fragment; matched exactly). A `private_key_jwt` client registers its public keys (`jwks` or `jwks_uri`) and gets no secret.",
        body: CreateClientBody,
        response: { 201: ClientBody, 400: ErrorBody, 409: ErrorBody },
      },
    },
    async (request, reply) => {
      const { body } = request;
      const { client, clientSecret } = await createClient(
        deps.ctx,
        {
          id: body.id,
          name: body.name,
          type: body.type,
          grantTypes: body.grant_types,
          roles: body.roles,
          redirectUris: body.redirect_uris,
          postLogoutRedirectUris: body.post_logout_redirect_uris,
          backchannelLogoutUri: body.backchannel_logout_uri,
          backchannelLogoutSessionRequired: body.backchannel_logout_session_required,
          tokenEndpointAuthMethod: body.token_endpoint_auth_method,
          consent: body.consent,
          jwks: body.jwks,
          jwksUri: body.jwks_uri,
        },
        requestContext(request, principalOf(request).actor),
      );
      return reply.status(201).header('cache-control', 'no-store').send(presentClient(client, clientSecret));
    },
  );

  app.get(
    '/v1/clients',
    {
      onRequest: admin,
      schema: {
        operationId: 'listClients',
        summary: 'List OAuth clients',
        tags: ['clients'],
        response: { 200: Type.Object({ clients: Type.Array(ClientBody) }) },
      },
    },
    async () => ({
      clients: (await deps.ctx.store.read((r) => r.clients.list())).map((client) => presentClient(client)),
    }),
  );

  app.get(
    '/v1/clients/:id/backchannel-logout',
    {
      onRequest: admin,
      schema: {
        operationId: 'getClientBackchannelLogoutStatus',
        summary: "A client's back-channel logout deliveries",
        tags: ['clients'],
        description:
          'Counts of the logout tokens queued for the client (`pending`, `delivered`, `dead`), the newest delivery error and when one was last delivered, from the durable outbox. Dead deliveries are retried with `POST /v1/outbox/{id}/retry`.',
        params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 256 }) }),
        response: { 200: BackchannelLogoutStatusBody, 404: ErrorBody },
      },
    },
    async (request) => {
      const { uri, status } = await backchannelLogoutStatus(deps.ctx, clientIdParam(request.params.id));
      return {
        client_id: request.params.id,
        backchannel_logout_uri: uri,
        pending: status.pending,
        delivered: status.delivered,
        dead: status.dead,
        last_error: status.lastError,
        last_delivered_at: status.lastDeliveredAt?.toISOString() ?? null,
      };
    },
  );

  app.post(
    '/v1/api-keys',
    {
      onRequest: admin,
      schema: {
        operationId: 'createApiKey',
        summary: 'Create an API key',
        tags: ['api-keys'],
        description:
          'Creates a scoped API key (`admin`, `feed:read`, `introspect`, `scim`, `hooks`), optionally expiring at `expires_at`. The key is returned once.',
        body: CreateApiKeyBody,
        response: { 201: ApiKeyBody, 400: ErrorBody },
      },
    },
    async (request, reply) => {
      const { body } = request;
      const { record, key } = await createApiKey(
        deps.ctx,
        {
          name: body.name,
          scopes: body.scopes,
          expiresAt: body.expires_at === undefined ? undefined : new Date(body.expires_at),
        },
        requestContext(request, principalOf(request).actor),
      );
      return reply
        .status(201)
        .header('cache-control', 'no-store')
        .send({ ...presentApiKey(record, deps.ctx.clock.now()), key });
    },
  );

  app.get(
    '/v1/api-keys',
    {
      onRequest: admin,
      schema: {
        operationId: 'listApiKeys',
        summary: 'List API keys',
        tags: ['api-keys'],
        description:
          'Every API key, oldest first, with its status, scopes, creator and `last_used_at` (written at most once per CUTOFF_API_KEY_LAST_USED_FLUSH_MS per replica, so it may lag by that much).',
        response: { 200: Type.Object({ api_keys: Type.Array(ApiKeyBody) }) },
      },
    },
    async () => {
      const now = deps.ctx.clock.now();
      return {
        api_keys: (await deps.ctx.store.read((r) => r.apiKeys.list())).map((record) =>
          presentApiKey(record, now),
        ),
      };
    },
  );

  app.delete(
    '/v1/api-keys/:id',
    {
      onRequest: admin,
      schema: {
        operationId: 'revokeApiKey',
        summary: 'Revoke an API key',
        tags: ['api-keys'],
        description:
          'Revokes an API key: this replica refuses it from the moment the response is sent, every other replica within CUTOFF_API_KEY_CACHE_MS (default 1 s). Audited as `api_key.revoked`. Revoking a revoked key changes nothing and answers the key.',
        params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 128 }) }),
        querystring: Type.Object(
          { reason: Type.Optional(RevocationReasonSchema) },
          { additionalProperties: false },
        ),
        response: { 200: ApiKeyBody, 404: ErrorBody },
      },
    },
    async (request) => {
      const { record } = await revokeApiKey(
        deps.ctx,
        { id: apiKeyIdParam(request.params.id), reason: request.query.reason ?? 'manual' },
        requestContext(request, principalOf(request).actor),
      );
      await deps.forgetApiKeys();
      return presentApiKey(record, deps.ctx.clock.now());
    },
  );

  app.post(
    '/v1/keys/rotate',
    {
      onRequest: admin,
      schema: {
        operationId: 'rotateSigningKey',
        summary: 'Rotate the token signing key',
        tags: ['keys'],
        description: 'Rotates the signing key. The JWKS keeps publishing the previous key.',
        body: Type.Optional(
          Type.Object(
            {
              alg: Type.Optional(
                Type.Union([Type.Literal('RS256'), Type.Literal('ES256'), Type.Literal('EdDSA')]),
              ),
            },
            { additionalProperties: false },
          ),
        ),
        response: { 201: Type.Object({ kid: Type.String(), alg: Type.String() }) },
      },
    },
    async (request, reply) => {
      const rotated = await rotateSigningKey(
        deps.ctx,
        { alg: request.body?.alg },
        requestContext(request, principalOf(request).actor),
      );
      return reply.status(201).send(rotated);
    },
  );

  app.post(
    '/v1/secrets/reseal',
    {
      onRequest: admin,
      schema: {
        operationId: 'resealSecrets',
        summary: 'Re-seal stored secrets with the current encryption key',
        tags: ['keys'],
        description:
          'Seals every signing key, TOTP secret, canary probe header value and destination secret that is in clear or sealed with a previous encryption key, with the current CUTOFF_ENCRYPTION_KEY. 409 when no key is configured.',
        response: {
          200: Type.Object({
            signing_keys: Type.Integer(),
            totp_secrets: Type.Integer(),
            canary_probe_headers: Type.Integer({
              description: 'Probes whose sealed header values were resealed.',
            }),
            destination_secrets: Type.Integer({
              description: 'Destinations whose sealed secrets (e.g. an http signing secret) were resealed.',
            }),
          }),
          409: ErrorBody,
        },
      },
    },
    async (request) => resealSecrets(deps.ctx, requestContext(request, principalOf(request).actor)),
  );
};
