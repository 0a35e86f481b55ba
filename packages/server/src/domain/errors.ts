/**
 * The one registry of Cutoff's error codes. Every error a caller can see has a code here, a
 * status, the short `error` string of the JSON body and a public message. Internal detail
 * (what a developer needs to debug) travels separately and never reaches the response body.
 */
export const ERROR_REGISTRY = {
  ERR_VALIDATION: { status: 400, error: 'invalid_request', message: 'The request is malformed.' },
  ERR_TOTP_CODE_INVALID: {
    status: 400,
    error: 'invalid_totp_code',
    message:
      'The one-time code does not match the pending TOTP enrolment: enter the current code from the authenticator app (check its clock), or enrol again.',
  },
  ERR_INVALID_CREDENTIALS: {
    status: 401,
    error: 'invalid_credentials',
    message: 'The username, password or one-time code is wrong, or the account is inactive.',
  },
  ERR_MFA_REQUIRED: {
    status: 401,
    error: 'mfa_required',
    message: 'A one-time code (TOTP) is required for this account.',
  },
  ERR_UNAUTHENTICATED: {
    status: 401,
    error: 'unauthenticated',
    message: 'A valid credential is required.',
  },
  ERR_INVALID_TOKEN: { status: 401, error: 'invalid_token', message: 'The access token is not valid.' },
  ERR_WEBHOOK_SIGNATURE: {
    status: 401,
    error: 'invalid_signature',
    message: 'The webhook source is unknown, or its signature is missing, malformed, stale or wrong.',
  },
  ERR_WEBHOOK_REPLAY: {
    status: 401,
    error: 'replayed_event',
    message: 'This webhook event id was already received; it was not applied again.',
  },
  ERR_GTR_UNSUPPORTED_SUBJECT: {
    status: 400,
    error: 'unsupported_subject_format',
    message:
      'Global Token Revocation takes a sub_id of format email or iss_sub (with the issuer of Cutoff or of a configured transmitter).',
  },
  ERR_FORBIDDEN: {
    status: 403,
    error: 'forbidden',
    message: 'The credential does not grant the scope this call needs.',
  },
  ERR_NOT_FOUND: { status: 404, error: 'not_found', message: 'No such resource.' },
  ERR_METHOD_NOT_ALLOWED: {
    status: 405,
    error: 'method_not_allowed',
    message: 'This path does not take this method.',
  },
  ERR_CONFLICT: { status: 409, error: 'conflict', message: 'The resource already exists.' },
  ERR_TOTP_NOT_PENDING: {
    status: 409,
    error: 'no_pending_enrolment',
    message: 'There is no TOTP enrolment to confirm: start one with POST /v1/users/{id}/totp.',
  },
  ERR_PAYLOAD_TOO_LARGE: {
    status: 413,
    error: 'payload_too_large',
    message: 'The request body is larger than this endpoint takes.',
  },
  ERR_UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    error: 'unsupported_media_type',
    message: 'The content type of the request is not supported.',
  },
  ERR_RATE_LIMITED: {
    status: 429,
    error: 'rate_limited',
    message: 'Too many attempts. Try again later.',
  },
  ERR_STORE_UNAVAILABLE: {
    status: 503,
    error: 'store_unavailable',
    message: 'The store cannot be reached; nothing was changed.',
  },
  ERR_STORE_CONFLICT: {
    status: 503,
    error: 'store_conflict',
    message:
      'A concurrent change to the same records kept this one from committing, even after retries; nothing was changed. Retry.',
  },
  ERR_SECRET_UNAVAILABLE: {
    status: 503,
    error: 'secret_unavailable',
    message:
      'A stored secret this request needs cannot be opened with the configured keys; nothing was changed.',
  },
  ERR_SSF_KEYS_UNAVAILABLE: {
    status: 503,
    error: 'keys_unavailable',
    message:
      "The transmitter's signing keys (its jwks_uri) cannot be fetched right now; nothing was applied. Retry.",
  },
  ERR_INTERNAL: { status: 500, error: 'internal_error', message: 'An internal error occurred.' },
} as const satisfies Record<string, { status: number; error: string; message: string }>;

export type ErrorCode = keyof typeof ERROR_REGISTRY;

export interface CutoffErrorOptions {
  /** Replaces the registry's public message; must not carry secrets. */
  readonly message?: string;
  /** For logs only; never sent to the caller. */
  readonly detail?: string;
  readonly cause?: unknown;
  /** Extra public fields, e.g. `retry_after_seconds`. */
  readonly extra?: Readonly<Record<string, unknown>>;
}

export class CutoffError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly error: string;
  readonly detail: string | undefined;
  readonly extra: Readonly<Record<string, unknown>> | undefined;

  constructor(code: ErrorCode, options: CutoffErrorOptions = {}) {
    const entry = ERROR_REGISTRY[code];
    super(options.message ?? entry.message, { cause: options.cause });
    this.name = 'CutoffError';
    this.code = code;
    this.status = entry.status;
    this.error = entry.error;
    this.detail = options.detail;
    this.extra = options.extra;
  }
}

export const isCutoffError = (value: unknown): value is CutoffError => value instanceof CutoffError;
