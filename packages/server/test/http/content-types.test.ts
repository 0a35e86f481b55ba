import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, startTestServer, type TestServer } from '../support/test-server.js';

/** Issue #17: 415 for a content type an endpoint does not take, 413 over the limit, 405 with Allow. */
describe('content types, body limits and methods', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(() => t.close());

  const send = async (
    method: string,
    path: string,
    contentType: string,
    body: string,
    key: string | null = ADMIN_KEY,
  ) => {
    const response = await fetch(`${t.url}${path}`, {
      method,
      headers: { 'content-type': contentType, ...(key !== null && { authorization: `Bearer ${key}` }) },
      body,
    });
    const text = await response.text();
    return {
      status: response.status,
      headers: response.headers,
      body: JSON.parse(text) as Record<string, any>,
    };
  };

  it('answers 415 for text/plain and form bodies on JSON endpoints, and changes nothing', async () => {
    for (const [contentType, body] of [
      ['text/plain', '{"username":"plain-text-user"}'],
      ['application/x-www-form-urlencoded', 'username=form-user'],
    ] as const) {
      const response = await send('POST', '/v1/users', contentType, body);
      expect(response.status, contentType).toBe(415);
      expect(response.body).toMatchObject({
        error: 'unsupported_media_type',
        code: 'ERR_UNSUPPORTED_MEDIA_TYPE',
      });
      expect(response.body.message).toContain('application/json');
    }
    const listed = await t.api('GET', '/v1/users?username=plain-text-user');
    expect(listed.body).toMatchObject({ users: [] });
  });

  it('authenticates before it reads the body: 401 for an unauthenticated text/plain or oversized POST', async () => {
    const plain = await send('POST', '/v1/users', 'text/plain', 'hello', null);
    expect(plain.status).toBe(401);
    expect(plain.body.code).toBe('ERR_UNAUTHENTICATED');
    const big = await send(
      'POST',
      '/v1/users',
      'application/json',
      JSON.stringify({ pad: 'x'.repeat(2 << 20) }),
      null,
    );
    expect(big.status).toBe(401);
  });

  it('answers 413 for a 2 MB body, naming the limit', async () => {
    const response = await send(
      'POST',
      '/v1/revocations',
      'application/json',
      JSON.stringify({ target: { type: 'user', id: 'usr_x' }, reason: 'manual', note: 'x'.repeat(2 << 20) }),
    );
    expect(response.status).toBe(413);
    expect(response.body).toMatchObject({ error: 'payload_too_large', code: 'ERR_PAYLOAD_TOO_LARGE' });
    expect(response.body.message).toContain('256 KiB');
  });

  it('answers 405 with Allow for a known path and a wrong method, 404 for an unknown path', async () => {
    const wrong = await t.api('DELETE', '/v1/revocations');
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('GET, HEAD, POST');
    expect(wrong.body).toMatchObject({ error: 'method_not_allowed', code: 'ERR_METHOD_NOT_ALLOWED' });
    const withParam = await t.api('PUT', '/v1/users/usr_anything');
    expect(withParam.status).toBe(405);
    expect(withParam.headers.get('allow')).toContain('PATCH');
    // Without credentials too: the route table is public in /openapi.json already.
    expect((await t.api('DELETE', '/v1/revocations', undefined, null)).status).toBe(405);
    // SCIM answers in its own error format (RFC 7644), with the same Allow.
    const scim = await send('PUT', '/scim/v2/Users', 'application/scim+json', '{}');
    expect(scim.status).toBe(405);
    expect(scim.headers.get('allow')).toBe('GET, HEAD, POST');
    expect(scim.body).toMatchObject({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
      status: '405',
    });
    const unknown = await t.api('GET', '/v1/nothing-here');
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ code: 'ERR_NOT_FOUND' });
  });

  it('keeps OAuth forms, and SCIM and JSON bodies, working', async () => {
    const user = await t.createUser();
    const login = await t.login(user.username, user.password);
    expect(login.status).toBe(200);
    const refreshed = await t.form('/oauth/token', {
      grant_type: 'refresh_token',
      refresh_token: login.body.refresh_token,
    });
    expect(refreshed.status).toBe(200);
    const scim = await fetch(`${t.url}/scim/v2/Users`, {
      method: 'POST',
      headers: { 'content-type': 'application/scim+json', authorization: `Bearer ${ADMIN_KEY}` },
      body: JSON.stringify({
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
        userName: 'scim-ct-user',
      }),
    });
    expect(scim.status).toBe(201);
    const scimPlain = await send('POST', '/scim/v2/Users', 'text/plain', 'x');
    expect(scimPlain.status).toBe(415);
    expect(scimPlain.body.schemas).toEqual(['urn:ietf:params:scim:api:messages:2.0:Error']);
  });
});
