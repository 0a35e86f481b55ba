import { GuardError } from '../errors.js';
import type { Guard } from '../guard.js';
import type { AccessTokenClaims } from '../verify/access-token-claims.js';
import { isB64Token, parseBearer } from './bearer.js';
import { rejectionsFor, type RejectionResponse } from './rejection.js';

export interface MiddlewareOptions {
  /** The `realm` of `WWW-Authenticate` challenges. Default `cutoff`. */
  readonly realm?: string;
}

export type AuthorizeOutcome =
  | { readonly ok: true; readonly claims: AccessTokenClaims }
  | { readonly ok: false; readonly response: RejectionResponse };

export type Authorizer = (
  authorization: string | readonly string[] | undefined | null,
) => AuthorizeOutcome | Promise<AuthorizeOutcome>;

/**
 * The request decision shared by every middleware: parse the bearer header, try the synchronous
 * cached path, fall back to `verify`. Returns a plain value (no promise) when the token was
 * verified before, which is nearly every request.
 */
export const createAuthorizer = (guard: Guard, options: MiddlewareOptions = {}): Authorizer => {
  const realm = options.realm ?? 'cutoff';
  if (typeof realm !== 'string' || realm === '' || /[\r\n]/.test(realm)) {
    const detail = 'realm must be a non-empty single-line string';
    throw new GuardError('ERR_GUARD_OPTIONS', {
      message: `The guard options are invalid: ${detail}.`,
      detail,
    });
  }
  const rejections = rejectionsFor(realm);
  const { logger } = guard;

  const reject = (error: unknown): AuthorizeOutcome => {
    const guardError =
      error instanceof GuardError
        ? error
        : new GuardError('ERR_TOKEN_INVALID', { detail: 'unexpected error' });
    const fields = { code: guardError.code, match: guardError.match, detail: guardError.detail };
    if (guardError.code === 'ERR_TOKEN_REVOKED') logger.info('cutoff guard: revoked token refused', fields);
    else logger.debug('cutoff guard: request refused', fields);
    return { ok: false, response: rejections.forError(guardError) };
  };

  return (authorization) => {
    // The character check only runs on a cache miss: cached tokens are known b64tokens.
    const credentials = parseBearer(authorization, false);
    if (credentials.kind === 'missing') return { ok: false, response: rejections.missing };
    if (credentials.kind === 'malformed') {
      logger.debug('cutoff guard: malformed Authorization header', { detail: credentials.reason });
      return { ok: false, response: rejections.malformed };
    }
    const result = guard.check(credentials.token);
    // A cached success already has the outcome's shape (`ok`, `claims`): no allocation per request.
    if (result !== undefined) return result.ok ? result : reject(result.error);
    if (!isB64Token(credentials.token)) {
      logger.debug('cutoff guard: malformed Authorization header', { detail: 'not a b64token' });
      return { ok: false, response: rejections.malformed };
    }
    return guard
      .verify(credentials.token)
      .then((verified) => ({ ok: true, claims: verified.claims }) as const, reject);
  };
};
