import type { RevocationMatch } from './rule/index.js';

/** The closed registry of guard error codes. */
export const GUARD_ERROR_CODES = [
  'ERR_TOKEN_MISSING',
  'ERR_TOKEN_INVALID',
  'ERR_TOKEN_EXPIRED',
  'ERR_TOKEN_REVOKED',
  'ERR_GUARD_STALE',
  'ERR_GUARD_NOT_READY',
  'ERR_INTROSPECTION_FAILED',
  'ERR_GUARD_OPTIONS',
] as const;
export type GuardErrorCode = (typeof GUARD_ERROR_CODES)[number];

/** What rejected a revoked token: a rule kind, `access_until`, or the introspection endpoint. */
export type RevokedBy = RevocationMatch | 'introspection';

/**
 * Public descriptions, safe to show to callers. Internal detail (which claim failed, which feed
 * call broke) travels separately in `GuardError.detail` and only reaches the logger.
 */
export const GUARD_ERROR_DESCRIPTIONS: Readonly<Record<GuardErrorCode, string>> = Object.freeze({
  ERR_TOKEN_MISSING: 'No bearer access token was presented.',
  ERR_TOKEN_INVALID: 'The access token is not valid.',
  ERR_TOKEN_EXPIRED: 'The access token has expired.',
  ERR_TOKEN_REVOKED: 'The access token has been revoked.',
  ERR_GUARD_STALE: 'Token revocation state is stale; refusing to authorize.',
  ERR_GUARD_NOT_READY: 'Token revocation state is not loaded yet; refusing to authorize.',
  ERR_INTROSPECTION_FAILED: 'Token introspection failed; refusing to authorize.',
  ERR_GUARD_OPTIONS: 'The guard options are invalid.',
});

export interface GuardErrorInit {
  /**
   * A public message for this case, in place of the code's description (e.g. which option is
   * invalid: the developer's own configuration, safe to show). Never contains the token.
   */
  readonly message?: string;
  /** Internal detail for logs. Never contains the token. */
  readonly detail?: string;
  readonly match?: RevokedBy;
  readonly cause?: unknown;
}

/**
 * The only error type the guard throws. As the server's `CutoffError`: `code` and `message` are
 * public (the code's description unless the case gave a message), `detail` is internal and kept
 * out of `message`, so code that shows or forwards `message` cannot leak which claim failed or
 * which feed call broke. `message` never contains the token.
 */
export class GuardError extends Error {
  override readonly name = 'GuardError';
  readonly code: GuardErrorCode;
  /** For `ERR_TOKEN_REVOKED`: what rejected the token. */
  readonly match: RevokedBy | undefined;
  /** Internal detail for logs (e.g. which claim failed); not for HTTP responses. */
  readonly detail: string | undefined;

  constructor(code: GuardErrorCode, init: GuardErrorInit = {}) {
    super(
      init.message ?? GUARD_ERROR_DESCRIPTIONS[code],
      init.cause === undefined ? undefined : { cause: init.cause },
    );
    this.code = code;
    this.match = init.match;
    this.detail = init.detail;
  }
}

export const isGuardError = (value: unknown): value is GuardError => value instanceof GuardError;
