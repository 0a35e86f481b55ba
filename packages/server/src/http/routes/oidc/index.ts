import type { FastifyTypebox } from '../../fastify-typebox.js';
import type { RouteDeps } from '../../route-deps.js';
import { authorizeRoutes } from './authorize.js';
import { discoveryRoutes } from './discovery.js';
import { endSessionRoutes } from './end-session.js';
import { loginRoutes } from './login.js';
import { userinfoRoutes } from './userinfo.js';

/** Single sign-on: Cutoff as an OpenID Provider (see docs/sso.md). */
export const oidcRoutes = (app: FastifyTypebox, deps: RouteDeps): void => {
  discoveryRoutes(app, deps);
  authorizeRoutes(app, deps);
  loginRoutes(app, deps);
  userinfoRoutes(app, deps);
  endSessionRoutes(app, deps);
};
