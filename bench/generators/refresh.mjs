/**
 * POST /oauth/token grant_type=refresh_token. Each virtual client owns one session's chain: a
 * refresh token is used once, then the rotated one from the answer. A failed link ends that chain.
 */
export const createGenerator = ({ refreshTokens }) => {
  const chains = [...refreshTokens];
  const headers = { 'content-type': 'application/x-www-form-urlencoded' };
  const marker = '"refresh_token":"';
  return {
    clients: chains.length,
    request: (vc) => ({
      method: 'POST',
      path: '/oauth/token',
      headers,
      body: `grant_type=refresh_token&refresh_token=${encodeURIComponent(chains[vc])}`,
    }),
    response: (vc, status, text) => {
      const at = text.indexOf(marker);
      if (status !== 200 || at < 0 || !text.includes('"access_token"')) return 'stop';
      const start = at + marker.length;
      chains[vc] = text.slice(start, text.indexOf('"', start));
      return true;
    },
  };
};
