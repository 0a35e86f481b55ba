import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postHook, writeHooksFile } from '../hooks/hook-client.js';
import { PATCH_OP, scimClient } from '../scim/scim-client.js';
import { postgresTestsSkipped, TEST_BACKENDS } from '../support/stores.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const logLines = (t: TestServer): Record<string, any>[] =>
  t.logs
    .flatMap((chunk) => chunk.split('\n'))
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, any>);

/** `{"a":{"a":…{"a":"x"}…}}`, `depth` levels deep. */
const nested = (depth: number): unknown => {
  let value: unknown = 'x';
  for (let level = 0; level < depth; level += 1) value = { a: value };
  return value;
};

describe.each(TEST_BACKENDS)('hostile input at the edge (%s)', (backend) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ backend });
  });
  afterAll(() => t.close());

  it.skipIf(backend === 'postgres' && postgresTestsSkipped())(
    'NUL bytes in ids, queries and bodies answer 404 or 400, never 500',
    async () => {
      const user = await t.createUser();
      expect((await t.api('GET', '/v1/users/%00')).status).toBe(404);
      expect((await t.api('GET', `/v1/users/${user.id}%00`)).status).toBe(404);
      expect((await t.api('DELETE', '/v1/sessions/a%00b')).status).toBe(404);
      expect((await t.api('GET', '/v1/users?username=a%00b')).body).toMatchObject({ code: 'ERR_VALIDATION' });
      const revocation = await t.api('POST', '/v1/revocations', {
        target: { type: 'user', id: 'usr_\u0000' },
        reason: 'manual',
      });
      expect(revocation.status).toBe(400);
      expect(revocation.body.message).toContain('NUL');
      const created = await t.api('POST', '/v1/users', {
        username: 'nul\u0000user',
        password: 'a-long-password-1',
      });
      expect(created.status).toBe(400);
      const login = await t.login('nul\u0000user', 'whatever');
      expect(login.status).toBe(400);

      const scim = scimClient(t);
      const scimGet = await scim('GET', '/Users/%00');
      expect(scimGet.status).toBe(404);
      expect(scimGet.body.schemas).toEqual(['urn:ietf:params:scim:api:messages:2.0:Error']);
      expect((await scim('GET', '/Users?filter=userName%20eq%20%22a%00%22')).status).toBe(400);

      const token = await t.form('/oauth/token', {
        grant_type: 'refresh_token',
        refresh_token: 'abc',
        client_id: '\u0000',
      });
      expect(token.status).toBe(400);
      expect(token.body).toMatchObject({ error: 'invalid_request' });
      expect(logLines(t).filter((line) => line.level >= 50)).toEqual([]);
    },
  );

  it.skipIf(backend === 'postgres' && postgresTestsSkipped())(
    'a SCIM PATCH nested 3,000 levels deep is a 400, and the user is unchanged',
    async () => {
      const user = await t.createUser();
      const scim = scimClient(t);
      const before = await scim('GET', `/Users/${user.id}`);
      const patched = await scim('PATCH', `/Users/${user.id}`, {
        schemas: [PATCH_OP],
        Operations: [{ op: 'replace', value: { name: nested(3000) } }],
      });
      expect(patched.status).toBe(400);
      expect(patched.body).toMatchObject({ scimType: 'invalidSyntax' });
      expect((await scim('GET', `/Users/${user.id}`)).body).toEqual(before.body);
      // A realistic PATCH is far below the bound.
      const ok = await scim('PATCH', `/Users/${user.id}`, {
        schemas: [PATCH_OP],
        Operations: [{ op: 'replace', value: { displayName: 'Ada L.' } }],
      });
      expect(ok.status).toBe(200);
    },
  );
});

describe('the request log', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(() => t.close());

  it('shows the path and the names of query parameters, never their values', async () => {
    const secret = 'rt-in-a-query-string-0123456789';
    const response = await t.api(
      'GET',
      `/v1/users?username=alice&refresh_token=${secret}&password=${secret}x&api_key=${secret}y`,
    );
    const lines = logLines(t).filter(
      (line) => line.reqId === response.body?.request_id || line.req !== undefined,
    );
    const access = lines.filter(
      (line) => line.msg === 'request completed' && line.req.url.startsWith('/v1/users?'),
    );
    expect(access).toHaveLength(1);
    expect(access[0]?.req.url).toBe('/v1/users?username&refresh_token&password&api_key');
    expect(t.logs.join('')).not.toContain(secret);
    expect(t.logs.join('')).not.toContain('alice');
  });

  it('logs a body the client aborted at info, not as an error of the store', async () => {
    const port = Number(new URL(t.url).port);
    const socket = connect(port, '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', resolve));
    socket.write(
      `POST /v1/users HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: Bearer ${t.adminKey}\r\n` +
        'content-type: application/json\r\ncontent-length: 10000\r\n\r\n{"username":',
    );
    // Wait until the server is reading the body (its onRequest authentication has passed).
    await new Promise((resolve) => setTimeout(resolve, 200));
    socket.destroy();
    const deadline = Date.now() + 5000;
    const aborted = (): Record<string, any>[] =>
      logLines(t).filter((line) => String(line.msg).includes('aborted'));
    while (aborted().length === 0 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 20));
    expect(aborted()).toHaveLength(1);
    expect(aborted()[0]?.level).toBe(30);
    expect(logLines(t).filter((line) => line.level >= 50)).toEqual([]);
    expect(logLines(t).filter((line) => line.msg === 'store unavailable')).toEqual([]);
  });
});

describe('authentication comes before parsing', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(() => t.close());

  it('an unauthenticated POST /v1/users with an invalid body is 401, without the schema complaint', async () => {
    const response = await t.api('POST', '/v1/users', { nonsense: true }, null);
    expect(response.status).toBe(401);
    expect(response.body.code).toBe('ERR_UNAUTHENTICATED');
    expect(JSON.stringify(response.body)).not.toMatch(/username|password|must have/);
    const badJson = await fetch(`${t.url}/v1/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"not json',
    });
    expect(badJson.status).toBe(401);
    const wrongScope = await t.apiKey(['feed:read']);
    expect((await t.api('POST', '/v1/users', { nonsense: true }, wrongScope)).status).toBe(403);
  });

  it('an unsigned webhook is refused before its body is read', async () => {
    // Larger than the webhook body limit: read first, it would be refused for its size instead.
    const response = await fetch(`${t.url}/v1/hooks/unknown-source`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: `{"padding":"${'x'.repeat(300 * 1024)}"}`,
    });
    expect(response.status).toBe(401);
    expect(((await response.json()) as { code: string }).code).toBe('ERR_WEBHOOK_SIGNATURE');
  });
});

describe.each(TEST_BACKENDS)('a signed webhook with hostile content (%s)', (backend) => {
  const secret = 'hr-secret-0123456789abcdef';
  let t: TestServer;
  beforeAll(async () => {
    if (backend === 'postgres' && postgresTestsSkipped()) return;
    const hooksFile = writeHooksFile({
      hr: {
        secret,
        eventId: { path: 'event_id' },
        events: [
          {
            name: 'termination',
            when: { path: 'type', equals: 'worker.terminated' },
            action: 'revoke_user',
            user: { path: 'worker.username', by: 'username' },
          },
        ],
      },
    });
    t = await startTestServer({ backend, config: { hooksFile } });
  });
  afterAll(() => t?.close());

  it.skipIf(backend === 'postgres' && postgresTestsSkipped())(
    'is a 400 for a NUL in the user it names or its event id, or for deep nesting, and records nothing',
    async () => {
      const auditBefore = (await t.api('GET', '/v1/audit/verify')).body.count as number;
      for (const payload of [
        { event_id: 'evt-nul-user', type: 'worker.terminated', worker: { username: 'ada\u0000' } },
        { event_id: 'evt-\u0000', type: 'worker.terminated', worker: { username: 'ada' } },
        { event_id: 'evt-deep', type: 'worker.terminated', worker: { username: 'ada' }, extra: nested(3000) },
      ]) {
        const response = await postHook(t, 'hr', payload, { secret });
        expect(response.status).toBe(400);
        expect(response.body.code).toBe('ERR_VALIDATION');
      }
      expect((await t.api('GET', '/v1/audit/verify')).body.count).toBe(auditBefore);
      expect(logLines(t).filter((line) => line.level >= 50)).toEqual([]);
    },
  );
});
