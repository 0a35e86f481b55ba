/**
 * RFC 7662 introspection of a pool of valid tokens, for any server: `path` and `authorization`
 * say where and how (a Bearer API key for Cutoff, client_secret_basic for oidc-provider).
 * Every answer must be `active: true`.
 */
export const createGenerator = ({ path, authorization, tokens }) => {
  const headers = { 'content-type': 'application/x-www-form-urlencoded', authorization };
  const bodies = tokens.map((token) => `token=${encodeURIComponent(token)}`);
  return {
    request: (_vc, n) => ({ method: 'POST', path, headers, body: bodies[n % bodies.length] }),
    response: (_vc, status, text) => status === 200 && /"active"\s*:\s*true/.test(text),
  };
};
