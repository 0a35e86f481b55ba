import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { CutoffError, ERROR_REGISTRY, type ErrorCode } from '../domain/errors.js';
import { BearerTokenError, bearerChallenge, OAuthError } from '../use-cases/oauth/oauth-error.js';
import { GTR_PATH } from '../use-cases/signals/authenticate-gtr-caller.js';
import { SSF_RECEIVE_PATH, SsfReceiveError } from '../use-cases/signals/ssf-error.js';

/** Connection-level failures of either store: the caller gets 503 and nothing was changed. */
const STORE_UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'SQLITE_BUSY',
  'SQLITE_CANTOPEN',
  'SQLITE_IOERR',
  'SQLITE_FULL',
  'SQLITE_READONLY',
  '57P01', // admin_shutdown
  '57P03', // cannot_connect_now
  '53300', // too_many_connections
]);

const isStoreUnavailable = (error: unknown): boolean => {
  if (typeof error !== 'object' || error === null) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (STORE_UNAVAILABLE_CODES.has(code) || code.startsWith('08'))) return true;
  const message = (error as { message?: unknown }).message;
  return (
    typeof message === 'string' &&
    /Connection terminated|connection (is )?closed|database connection is not open|Client has encountered a connection error|timeout exceeded when trying to connect/i.test(
      message,
    )
  );
};

/** PostgreSQL serialization_failure and deadlock_detected, left after the store's own retries. */
const isTransactionConflict = (error: unknown): boolean => {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '40001' || code === '40P01';
};

/**
 * The client went away while its body was being read: Node reports `aborted` (ECONNRESET) on
 * the request stream. Nobody is left to answer and nothing is wrong with the server or store.
 */
const isClientAbort = (error: unknown, request: FastifyRequest): boolean => {
  const { code, message } = (error ?? {}) as { readonly code?: unknown; readonly message?: unknown };
  // Both: a store's own ECONNRESET while the client happens to be gone stays a store error.
  return code === 'ECONNRESET' && message === 'aborted' && request.raw.readableAborted;
};

/** Seconds a caller should wait before retrying a 503 of the store: a brief outage or conflict. */
const STORE_RETRY_AFTER_SECONDS = 1;

/** Global Token Revocation answers Cutoff's error shape: its 400/401/403/404 say different things. */
const isOAuthRoute = (request: FastifyRequest): boolean =>
  request.url.startsWith('/oauth/') && request.routeOptions.url !== GTR_PATH;

const sendCutoffError = (request: FastifyRequest, reply: FastifyReply, error: CutoffError): FastifyReply => {
  if (error.code === 'ERR_RATE_LIMITED' && typeof error.extra?.retry_after_seconds === 'number') {
    void reply.header('retry-after', String(error.extra.retry_after_seconds));
  }
  if (error.code === 'ERR_STORE_UNAVAILABLE' || error.code === 'ERR_STORE_CONFLICT')
    void reply.header('retry-after', String(STORE_RETRY_AFTER_SECONDS));
  if (error.status === 401 && !isOAuthRoute(request))
    void reply.header('www-authenticate', 'Bearer realm="cutoff"');
  return reply.status(error.status).send({
    error: error.error,
    code: error.code,
    message: error.message,
    request_id: request.id,
    ...error.extra,
  });
};

/** The body limit of the route, in KiB, as a person reads it. */
const bodyLimitOf = (request: FastifyRequest): string => {
  const limit = request.routeOptions.bodyLimit;
  return typeof limit === 'number' ? `${Math.floor(limit / 1024)} KiB` : 'its limit';
};

const fromFastifyError = (error: FastifyError, request: FastifyRequest): CutoffError | undefined => {
  if (error.validation !== undefined) {
    // Already one sentence per bad field (validator-compiler.ts), naming it and what it takes.
    return new CutoffError('ERR_VALIDATION', { message: error.message });
  }
  if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    return new CutoffError('ERR_UNSUPPORTED_MEDIA_TYPE', {
      message: 'The content type of the request is not supported here; send application/json.',
    });
  }
  if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return new CutoffError('ERR_PAYLOAD_TOO_LARGE', {
      message: `The request body is larger than this endpoint takes (${bodyLimitOf(request)}).`,
    });
  }
  const byCode: Partial<Record<string, ErrorCode>> = {
    FST_ERR_CTP_EMPTY_JSON_BODY: 'ERR_VALIDATION',
    FST_ERR_CTP_INVALID_JSON_BODY: 'ERR_VALIDATION',
    FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'ERR_VALIDATION',
  };
  const code = byCode[error.code];
  if (code !== undefined)
    return new CutoffError(code, { message: `${ERROR_REGISTRY[code].message} ${error.message}` });
  if (
    error instanceof SyntaxError ||
    (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500)
  ) {
    return new CutoffError('ERR_VALIDATION', { message: `Invalid request: ${error.message}` });
  }
  return undefined;
};

/**
 * One place that turns errors into responses: RFC 6749 bodies on /oauth, the JSON error shape
 * elsewhere. 5xx bodies never carry detail; the detail goes to the log.
 */
export const errorHandler = (error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply => {
  if (error instanceof BearerTokenError) {
    return reply
      .status(error.status)
      .header('www-authenticate', bearerChallenge(error))
      .header('cache-control', 'no-store')
      .send({ error: error.error, error_description: error.description });
  }
  if (error instanceof SsfReceiveError) {
    // RFC 8935 section 2.3; the description says what was wrong with the SET, never its content.
    request.log.info({ err_code: error.err, description: error.description }, 'SET refused');
    return reply.status(error.status).send({ err: error.err, description: error.description });
  }
  if (error instanceof OAuthError) {
    // The refusal's reason is the operator's (why a refresh failed); the client gets RFC 6749 only.
    if (error.detail !== undefined)
      request.log.info({ oauth_error: error.error, detail: error.detail }, 'oauth request refused');
    if (error.error === 'invalid_client') void reply.header('www-authenticate', 'Basic realm="cutoff"');
    return reply.status(error.status).header('cache-control', 'no-store').send({
      error: error.error,
      error_description: error.description,
    });
  }
  let cutoffError: CutoffError;
  if (error instanceof CutoffError) cutoffError = error;
  else if (isClientAbort(error, request)) {
    request.log.info('request aborted by the client before its body was read');
    cutoffError = new CutoffError('ERR_VALIDATION', { message: 'The request body was not received whole.' });
  } else if (isTransactionConflict(error)) {
    request.log.warn({ err: error }, 'store conflict after retries');
    cutoffError = new CutoffError('ERR_STORE_CONFLICT');
  } else if (isStoreUnavailable(error)) {
    request.log.error({ err: error }, 'store unavailable');
    cutoffError = new CutoffError('ERR_STORE_UNAVAILABLE');
  } else {
    const mapped = fromFastifyError(error as FastifyError, request);
    if (mapped === undefined) {
      request.log.error({ err: error }, 'unhandled error');
      cutoffError = new CutoffError('ERR_INTERNAL');
    } else cutoffError = mapped;
  }
  if (cutoffError.detail !== undefined) {
    // A 5xx is the operator's to act on; a 4xx detail only helps debugging a client.
    if (cutoffError.status >= 500) request.log.error({ code: cutoffError.code, detail: cutoffError.detail });
    else request.log.warn({ code: cutoffError.code, detail: cutoffError.detail });
  }
  if (request.routeOptions.url === SSF_RECEIVE_PATH && cutoffError.status === 400) {
    // Refused at the edge (a NUL in the query, say): still an RFC 8935 answer to a transmitter.
    return reply.status(400).send({ err: 'invalid_request', description: cutoffError.message });
  }
  if (isOAuthRoute(request) && cutoffError.status < 500) {
    return reply.status(400).header('cache-control', 'no-store').send({
      error: 'invalid_request',
      error_description: cutoffError.message,
    });
  }
  return sendCutoffError(request, reply, cutoffError);
};
