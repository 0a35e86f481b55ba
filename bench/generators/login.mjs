/** POST /v1/auth/login, cycling over pre-created users. */
export const createGenerator = ({ usernames, password }) => {
  const bodies = usernames.map((username) => JSON.stringify({ username, password }));
  const headers = { 'content-type': 'application/json' };
  return {
    request: (_vc, n) => ({
      method: 'POST',
      path: '/v1/auth/login',
      headers,
      body: bodies[n % bodies.length],
    }),
    response: (_vc, status, text) => status === 200 && text.includes('"refresh_token"'),
  };
};
