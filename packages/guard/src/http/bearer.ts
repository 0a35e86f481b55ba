/** The outcome of reading RFC 6750 bearer credentials from an `Authorization` header. */
export type BearerCredentials =
  | { readonly kind: 'token'; readonly token: string }
  | { readonly kind: 'missing' }
  | { readonly kind: 'malformed'; readonly reason: string };

// RFC 6750 §2.1 b64token.
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

const MISSING: BearerCredentials = Object.freeze({ kind: 'missing' });
const MULTIPLE: BearerCredentials = Object.freeze({
  kind: 'malformed',
  reason: 'multiple Authorization headers',
});
const MALFORMED: BearerCredentials = Object.freeze({
  kind: 'malformed',
  reason: 'malformed bearer credentials',
});

/** True when `value` starts with the `Bearer` scheme (case-insensitive, RFC 9110 §11.1). */
const hasBearerScheme = (value: string): boolean =>
  value.length >= 6 &&
  (value.charCodeAt(0) | 0x20) === 0x62 && // b
  (value.charCodeAt(1) | 0x20) === 0x65 && // e
  (value.charCodeAt(2) | 0x20) === 0x61 && // a
  (value.charCodeAt(3) | 0x20) === 0x72 && // r
  (value.charCodeAt(4) | 0x20) === 0x65 && // e
  (value.charCodeAt(5) | 0x20) === 0x72 && // r
  (value.length === 6 || value.charCodeAt(6) === 0x20);

/** Whether `token` is one RFC 6750 b64token (no spaces, commas or a second credential). */
export const isB64Token = (token: string): boolean => B64TOKEN.test(token);

/**
 * Reads bearer credentials. Several `Authorization` headers, or a bearer value that is not one
 * b64token (e.g. two comma-joined credentials), are malformed; a header with another scheme
 * (Basic, ...) carries no bearer token, which RFC 6750 treats as missing.
 *
 * `validate: false` skips the character check, for callers that only accept the token after
 * finding it among tokens already verified (which are b64tokens) or after checking it later.
 */
export const parseBearer = (
  header: string | readonly string[] | undefined | null,
  validate = true,
): BearerCredentials => {
  let value: string | undefined;
  if (typeof header === 'string') value = header;
  else if (header !== undefined && header !== null) {
    if (header.length > 1) return MULTIPLE;
    value = header[0];
  }
  if (value === undefined || value === '') return MISSING;
  if (!hasBearerScheme(value)) return MISSING;
  let start = 7;
  while (value.charCodeAt(start) === 0x20) start++;
  let end = value.length;
  while (end > start && value.charCodeAt(end - 1) === 0x20) end--;
  if (end <= start) return MALFORMED;
  const token = value.slice(start, end);
  if (validate && !isB64Token(token)) return MALFORMED;
  return { kind: 'token', token };
};
