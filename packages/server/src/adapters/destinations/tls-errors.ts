/**
 * Node's codes for a server certificate that does not verify (OpenSSL's verify results and
 * Node's own name check). Retrying cannot fix them: the destination's `ca`/`server_name` or the
 * receiver's certificate must change, so senders report them as permanent failures.
 */
const CERTIFICATE_ERROR_CODES = new Set([
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_SIGNATURE_FAILURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

export const isCertificateError = (error: unknown): boolean =>
  typeof error === 'object' &&
  error !== null &&
  CERTIFICATE_ERROR_CODES.has(String((error as { readonly code?: unknown }).code));
