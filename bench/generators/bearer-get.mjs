/**
 * GET `path` with `Authorization: Bearer <token>`, cycling over a pool of tokens as real clients
 * repeat theirs. Every answer must be 200 with the route's JSON (`"sub"`).
 */
export const createGenerator = ({ path, tokens }) => {
  const headers = tokens.map((token) => ({ authorization: `Bearer ${token}` }));
  return {
    request: (_vc, n) => ({ method: 'GET', path, headers: headers[n % headers.length] }),
    response: (_vc, status, text) => status === 200 && text.includes('"sub"'),
  };
};
