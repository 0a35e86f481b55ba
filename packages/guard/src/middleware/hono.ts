import type { MiddlewareHandler } from 'hono';
import type { Guard } from '../guard.js';
import { createAuthorizer, type MiddlewareOptions } from '../http/authorize.js';
import type { AccessTokenClaims } from '../verify/access-token-claims.js';

/** Hono env for protected routes: `c.get('cutoff')` is the verified claims. */
export interface CutoffHonoEnv {
  Variables: { cutoff: AccessTokenClaims };
}

/** Hono middleware: `c.set('cutoff', claims)` then `next()`, or a 401/400/503 response. */
export const honoGuard = (guard: Guard, options?: MiddlewareOptions): MiddlewareHandler<CutoffHonoEnv> => {
  const authorize = createAuthorizer(guard, options);
  return async (c, next) => {
    // Headers.get joins repeated headers with ", ", which the bearer parser refuses.
    const outcome = await authorize(c.req.raw.headers.get('authorization'));
    if (!outcome.ok) {
      const { status, headers, body } = outcome.response;
      return new Response(body, { status, headers });
    }
    c.set('cutoff', outcome.claims);
    await next();
    return undefined;
  };
};
