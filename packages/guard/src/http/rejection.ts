import type { GuardError } from '../errors.js';

/** An HTTP answer for a refused request, framework-neutral. */
export interface RejectionResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  /** JSON text. */
  readonly body: string;
}

const NO_STORE = { 'cache-control': 'no-store', 'content-type': 'application/json; charset=utf-8' } as const;

const quoted = (value: string): string => `"${value.replace(/["\\]/g, '\\$&')}"`;

const INVALID_TOKEN_BODY = JSON.stringify({
  error: 'invalid_token',
  error_description: 'The access token is not valid.',
});
const STALE_BODY = JSON.stringify({
  error: 'temporarily_unavailable',
  error_description: 'Token revocation state is stale; refusing to authorize.',
});
const NOT_READY_BODY = JSON.stringify({
  error: 'temporarily_unavailable',
  error_description: 'Token revocation state is not loaded yet; refusing to authorize.',
});
const INTROSPECTION_BODY = JSON.stringify({
  error: 'temporarily_unavailable',
  error_description: 'Token status cannot be confirmed right now; refusing to authorize.',
});
const MISSING_BODY = JSON.stringify({
  error: 'unauthorized',
  error_description: 'A bearer access token is required.',
});
const MALFORMED_BODY = JSON.stringify({
  error: 'invalid_request',
  error_description: 'The Authorization header is malformed or repeated.',
});
const INTERNAL_BODY = JSON.stringify({ error: 'server_error', error_description: 'Internal server error.' });

export interface Rejections {
  readonly missing: RejectionResponse;
  readonly malformed: RejectionResponse;
  forError(error: GuardError): RejectionResponse;
}

/**
 * Precomputed RFC 6750 answers for one realm. Every invalid, expired or revoked token gets the
 * same generic 401 so the response tells an attacker nothing; the reason goes to the logger.
 */
export const rejectionsFor = (realm: string): Rejections => {
  const realmParam = `realm=${quoted(realm)}`;
  const freeze = (status: number, headers: Record<string, string>, body: string): RejectionResponse =>
    Object.freeze({ status, headers: Object.freeze({ ...NO_STORE, ...headers }), body });
  const missing = freeze(401, { 'www-authenticate': `Bearer ${realmParam}` }, MISSING_BODY);
  const malformed = freeze(
    400,
    { 'www-authenticate': `Bearer ${realmParam}, error="invalid_request"` },
    MALFORMED_BODY,
  );
  const invalidToken = freeze(
    401,
    { 'www-authenticate': `Bearer ${realmParam}, error="invalid_token"` },
    INVALID_TOKEN_BODY,
  );
  const stale = freeze(503, { 'retry-after': '1' }, STALE_BODY);
  const notReady = freeze(503, { 'retry-after': '1' }, NOT_READY_BODY);
  const introspection = freeze(503, { 'retry-after': '1' }, INTROSPECTION_BODY);
  const internal = freeze(500, {}, INTERNAL_BODY);
  return Object.freeze({
    missing,
    malformed,
    forError(error: GuardError): RejectionResponse {
      switch (error.code) {
        case 'ERR_TOKEN_MISSING':
          return missing;
        case 'ERR_TOKEN_INVALID':
        case 'ERR_TOKEN_EXPIRED':
        case 'ERR_TOKEN_REVOKED':
          return invalidToken;
        case 'ERR_GUARD_STALE':
          return stale;
        case 'ERR_GUARD_NOT_READY':
          return notReady;
        case 'ERR_INTROSPECTION_FAILED':
          return introspection;
        case 'ERR_GUARD_OPTIONS':
          return internal;
      }
    },
  });
};
