import type { FastifyTypebox } from '../../fastify-typebox.js';
import type { RouteDeps } from '../../route-deps.js';
import { openIdConfiguration } from '../well-known.js';

export const discoveryRoutes = (app: FastifyTypebox, deps: RouteDeps): void => {
  const document = openIdConfiguration(deps.config.issuer);
  app.get(
    '/.well-known/openid-configuration',
    {
      schema: {
        tags: ['discovery'],
        operationId: 'getOpenIdConfiguration',
        summary: 'OpenID Connect discovery metadata',
        description: 'OpenID Connect Discovery 1.0 metadata.',
        security: [],
      },
    },
    (_request, reply) => reply.header('cache-control', 'public, max-age=300').send(document),
  );
};
