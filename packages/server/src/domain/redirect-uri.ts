/**
 * Redirect URIs a client may register (RFC 9700 section 2.1, RFC 8252 section 7.3): absolute,
 * `https`, or `http` only on a loopback address (a native or development app listening locally),
 * no fragment (RFC 6749 section 3.1.2), no credentials. Matching is exact string comparison, so
 * what is registered is what a request must repeat byte for byte.
 */
const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);
const MAX_URI_LENGTH = 2000;

/** Why `uri` cannot be registered, or null when it can. */
export const redirectUriProblem = (uri: string): string | null => {
  if (uri.length > MAX_URI_LENGTH) return `is longer than ${MAX_URI_LENGTH} characters`;
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return 'is not an absolute URL';
  }
  if (uri.includes('#')) return 'has a fragment (#...), which redirect URIs must not have';
  if (url.username !== '' || url.password !== '') return 'carries credentials';
  if (url.protocol === 'https:') return null;
  if (url.protocol === 'http:') {
    return LOOPBACK_HOSTS.has(url.hostname)
      ? null
      : 'uses http on a host other than a loopback address (use https)';
  }
  return `uses the scheme ${url.protocol.replace(/:$/, '')} (use https, or http on a loopback address)`;
};
