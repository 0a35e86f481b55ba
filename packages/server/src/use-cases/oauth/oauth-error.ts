/** RFC 6749 section 5.2 error codes, kept apart from Cutoff's own registry on purpose. */
export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'invalid_scope'
  | 'unsupported_token_type';

/**
 * An RFC 6749 error. The client gets `error` and `description` only; `detail` is internal (why a
 * grant was refused: reuse, expiry, revocation, client mismatch…) and only reaches the log, as
 * `CutoffError.detail` does. RFC 6749 answers all of those with one `invalid_grant` so a caller
 * cannot probe a token's state; the operator still needs to tell them apart.
 */
export class OAuthError extends Error {
  override readonly name = 'OAuthError';
  readonly status: number;

  constructor(
    readonly error: OAuthErrorCode,
    readonly description: string,
    /** Internal: logged, never sent. Never contains a token or secret. */
    readonly detail?: string,
  ) {
    super(description);
    this.status = error === 'invalid_client' ? 401 : 400;
  }
}

/** RFC 6750 section 3.1 error codes, for a Bearer credential presented to a protected endpoint. */
export type BearerErrorCode = 'invalid_token' | 'insufficient_scope';

/**
 * A Bearer credential that is not accepted: 401 `invalid_token` (unknown, revoked, malformed) or
 * 403 `insufficient_scope` (valid, but lacking `scope`). Answered with a `Bearer` challenge, not
 * the `Basic` one of failed client authentication: the caller used Bearer, and RFC 6750 tells it
 * what went wrong in the challenge.
 */
export class BearerTokenError extends Error {
  override readonly name = 'BearerTokenError';
  readonly status: 401 | 403;

  constructor(
    readonly error: BearerErrorCode,
    readonly description: string,
    /** The scope the endpoint needs (sent with `insufficient_scope`). */
    readonly scope?: string,
  ) {
    super(description);
    this.status = error === 'invalid_token' ? 401 : 403;
  }
}

/** The `WWW-Authenticate` value of a Bearer error (RFC 6750 section 3). */
export const bearerChallenge = (error: BearerTokenError): string =>
  [
    'Bearer realm="cutoff"',
    `error="${error.error}"`,
    `error_description="${error.description.replace(/["\\]/g, '')}"`,
    ...(error.scope === undefined ? [] : [`scope="${error.scope}"`]),
  ].join(', ');
