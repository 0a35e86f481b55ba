import type { FastifyTypebox } from '../../fastify-typebox.js';
import type { RouteDeps } from '../../route-deps.js';
import { scimDiscoveryRoutes } from './discovery.js';
import { scimGroupRoutes } from './groups.js';
import { configureScimContext } from './scim-http.js';
import { scimUserRoutes } from './users.js';

/**
 * The SCIM 2.0 service provider at /scim/v2 (RFC 7643/7644), in its own encapsulated context:
 * its content-type parser, error format and authentication apply to SCIM routes only.
 */
export const scimRoutes = (app: FastifyTypebox, deps: RouteDeps): void => {
  void app.register(
    (scope: FastifyTypebox, _options, done) => {
      configureScimContext(scope, deps);
      scimUserRoutes(scope, deps);
      scimGroupRoutes(scope, deps);
      scimDiscoveryRoutes(scope, deps);
      done();
    },
    { prefix: '/scim/v2' },
  );
};
