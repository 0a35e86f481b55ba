import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Guard } from '../guard.js';
import { createAuthorizer, type AuthorizeOutcome, type MiddlewareOptions } from '../http/authorize.js';
import type { RejectionResponse } from '../http/rejection.js';
import type { AccessTokenClaims } from '../verify/access-token-claims.js';

/** Every `Authorization` header of the request: Node keeps only the first in `req.headers`. */
export const authorizationOf = (req: IncomingMessage): string | readonly string[] | undefined =>
  req.headersDistinct?.authorization ?? req.headers.authorization;

/** Writes a rejection unless the response has already started. */
export const writeRejection = (res: ServerResponse, rejection: RejectionResponse): void => {
  if (res.headersSent) {
    res.end();
    return;
  }
  res.statusCode = rejection.status;
  for (const [name, value] of Object.entries(rejection.headers)) res.setHeader(name, value);
  res.end(rejection.body);
};

/**
 * `protect(guard)(req, res)` resolves to the verified claims, or writes the 401/400/503 answer
 * and resolves to `undefined`.
 */
export const protect = (
  guard: Guard,
  options?: MiddlewareOptions,
): ((req: IncomingMessage, res: ServerResponse) => Promise<AccessTokenClaims | undefined>) => {
  const authorize = createAuthorizer(guard, options);
  return async (req, res) => {
    const outcome = await authorize(authorizationOf(req));
    if (outcome.ok) return outcome.claims;
    writeRejection(res, outcome.response);
    return undefined;
  };
};

export type ProtectedHandler<
  Req extends IncomingMessage = IncomingMessage,
  Res extends ServerResponse = ServerResponse,
> = (req: Req, res: Res, claims: AccessTokenClaims) => void | Promise<void>;

/**
 * Wraps a `node:http` request listener: it runs only for authorized requests and receives the
 * claims. Cached tokens are decided synchronously, without a promise.
 */
export const guardHandler = <
  Req extends IncomingMessage = IncomingMessage,
  Res extends ServerResponse = ServerResponse,
>(
  guard: Guard,
  handler: ProtectedHandler<Req, Res>,
  options?: MiddlewareOptions,
): ((req: Req, res: Res) => void) => {
  const authorize = createAuthorizer(guard, options);
  const fail = (res: Res, error: unknown): void => {
    guard.logger.error('cutoff guard: protected handler failed', {
      detail: error instanceof Error ? error.message : String(error),
    });
    if (!res.headersSent) res.statusCode = 500;
    res.end();
  };
  const run = (req: Req, res: Res, outcome: AuthorizeOutcome): void => {
    if (!outcome.ok) {
      writeRejection(res, outcome.response);
      return;
    }
    try {
      const done = handler(req, res, outcome.claims);
      // Only a promise is awaited: a plain-JavaScript handler may hand back what `res.end()`
      // returns (the response), which has no `catch`.
      if (done instanceof Promise) done.catch((error: unknown) => fail(res, error));
    } catch (error) {
      fail(res, error);
    }
  };
  return (req, res) => {
    const outcome = authorize(authorizationOf(req));
    if (outcome instanceof Promise) {
      outcome.then(
        (settled) => run(req, res, settled),
        (error: unknown) => fail(res, error),
      );
    } else {
      run(req, res, outcome);
    }
  };
};
