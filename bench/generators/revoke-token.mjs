/** POST /v1/revocations of `token` entries: a new jti per request. */
export const createGenerator = ({ authorization, prefix }) => {
  const headers = { 'content-type': 'application/json', authorization };
  return {
    request: (_vc, n) => ({
      method: 'POST',
      path: '/v1/revocations',
      headers,
      body: JSON.stringify({ target: { type: 'token', id: `${prefix}${n}` }, reason: 'security_incident' }),
    }),
    response: (_vc, status, text) => status === 201 && text.includes('"seq"'),
  };
};
