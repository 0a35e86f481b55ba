export const CLIENT_ERROR_CODES = ['reauth_required', 'refresh_failed', 'invalid_options'] as const;
export type CutoffClientErrorCode = (typeof CLIENT_ERROR_CODES)[number];

/** Every error the client throws. `message` never contains a token. */
export class CutoffClientError extends Error {
  override readonly name: string = 'CutoffClientError';
  readonly code: CutoffClientErrorCode;

  constructor(code: CutoffClientErrorCode, message: string, options?: { readonly cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/**
 * The session is over (refresh token revoked, expired or reused): the user must log in again.
 * Thrown by `client.fetch` after `onReauthRequired` has been called, and by every later call
 * until `setTokens` provides new tokens.
 */
export class ReauthRequiredError extends CutoffClientError {
  override readonly name = 'ReauthRequiredError';
  declare readonly code: 'reauth_required';
  /** The OAuth error of the failed refresh (e.g. `invalid_grant`), when there was one. */
  readonly oauthError: string | undefined;

  constructor(message: string, oauthError?: string) {
    super('reauth_required', message);
    this.oauthError = oauthError;
  }
}
