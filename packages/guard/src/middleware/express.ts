import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Guard } from '../guard.js';
import { createAuthorizer, type AuthorizeOutcome, type MiddlewareOptions } from '../http/authorize.js';
import type { AccessTokenClaims } from '../verify/access-token-claims.js';
import { authorizationOf, writeRejection } from './node-http.js';

declare global {
  // Express merges this into `req` (the same way passport adds `req.user`).
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** Claims of the verified access token, set by `expressGuard`. */
      cutoff?: AccessTokenClaims;
    }
  }
}

type CutoffRequest = IncomingMessage & { cutoff?: AccessTokenClaims };

/**
 * Express middleware: sets `req.cutoff` to the verified claims and calls `next()`, or answers
 * 401/400/503 itself. Typed structurally, so the guard does not depend on express.
 */
export const expressGuard = (
  guard: Guard,
  options?: MiddlewareOptions,
): ((req: CutoffRequest, res: ServerResponse, next: (error?: unknown) => void) => void) => {
  const authorize = createAuthorizer(guard, options);
  const finish = (
    req: CutoffRequest,
    res: ServerResponse,
    next: (error?: unknown) => void,
    outcome: AuthorizeOutcome,
  ): void => {
    if (outcome.ok) {
      req.cutoff = outcome.claims;
      next();
    } else {
      writeRejection(res, outcome.response);
    }
  };
  return (req, res, next) => {
    const outcome = authorize(authorizationOf(req));
    if (outcome instanceof Promise) outcome.then((settled) => finish(req, res, next, settled), next);
    else finish(req, res, next, outcome);
  };
};
