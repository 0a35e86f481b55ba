import { Type } from 'typebox';
import { createApiKey } from '../../use-cases/admin/create-api-key.js';
import { createClient } from '../../use-cases/admin/create-client.js';
import { resealSecrets } from '../../use-cases/admin/reseal-secrets.js';
import { rotateSigningKey } from '../../use-cases/admin/rotate-signing-key.js';
import type { FastifyTypebox } from '../fastify-typebox.js';
import { presentClient } from '../presenters.js';
import { requestContext } from '../request-context.js';
import { principalOf, requireScope, type RouteDeps } from '../route-deps.js';
import { ClientBody, CreateApiKeyBody, CreateClientBody, ErrorBody } from '../schemas.js';

export const adminRoutes = (app: FastifyTypebox, deps: RouteDeps): void => {
  const admin = requireScope(deps, 'admin');

  app.post(
    '/v1/clients',
    {
      preHandler: admin,
      schema: {
        tags: ['clients'],
        description:
          "Registers a public or confidential client. A confidential client's secret is returned once. OpenID Connect relying parties register `redirect_uris` (https, or http on a loopback address; no fragment; matched exactly).",
        body: CreateClientBody,
        response: { 201: ClientBody, 409: ErrorBody },
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
        },
        requestContext(request, principalOf(request).actor),
      );
      return reply.status(201).header('cache-control', 'no-store').send(presentClient(client, clientSecret));
    },
  );

  app.get(
    '/v1/clients',
    {
      preHandler: admin,
      schema: { tags: ['clients'], response: { 200: Type.Object({ clients: Type.Array(ClientBody) }) } },
    },
    async () => ({ clients: (await deps.ctx.store.clients.list()).map((client) => presentClient(client)) }),
  );

  const ApiKeyBody = Type.Object({
    id: Type.String(),
    name: Type.String(),
    scopes: Type.Array(Type.String()),
    created_at: Type.String({ format: 'date-time' }),
    key: Type.Optional(Type.String({ description: 'Shown once, at creation.' })),
  });

  app.post(
    '/v1/api-keys',
    {
      preHandler: admin,
      schema: {
        tags: ['api-keys'],
        description:
          'Creates a scoped API key (`admin`, `feed:read`, `introspect`, `scim`, `hooks`). The key is returned once.',
        body: CreateApiKeyBody,
        response: { 201: ApiKeyBody },
      },
    },
    async (request, reply) => {
      const { record, key } = await createApiKey(
        deps.ctx,
        request.body,
        requestContext(request, principalOf(request).actor),
      );
      return reply
        .status(201)
        .header('cache-control', 'no-store')
        .send({
          id: record.id,
          name: record.name,
          scopes: [...record.scopes],
          created_at: record.createdAt.toISOString(),
          key,
        });
    },
  );

  app.get(
    '/v1/api-keys',
    {
      preHandler: admin,
      schema: { tags: ['api-keys'], response: { 200: Type.Object({ api_keys: Type.Array(ApiKeyBody) }) } },
    },
    async () => ({
      api_keys: (await deps.ctx.store.apiKeys.list()).map((record) => ({
        id: record.id,
        name: record.name,
        scopes: [...record.scopes],
        created_at: record.createdAt.toISOString(),
      })),
    }),
  );

  app.post(
    '/v1/keys/rotate',
    {
      preHandler: admin,
      schema: {
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
      preHandler: admin,
      schema: {
        tags: ['keys'],
        description:
          'Seals every signing key and TOTP secret that is in clear or sealed with a previous encryption key, with the current CUTOFF_ENCRYPTION_KEY. 409 when no key is configured.',
        response: {
          200: Type.Object({ signing_keys: Type.Integer(), totp_secrets: Type.Integer() }),
          409: ErrorBody,
        },
      },
    },
    async (request) => resealSecrets(deps.ctx, requestContext(request, principalOf(request).actor)),
  );
};
