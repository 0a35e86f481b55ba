import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresStore } from '../../src/adapters/storage/index.js';
import { dropSchemas, postgresTestsSkipped, testDatabaseUrl } from '../support/stores.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

describe.skipIf(postgresTestsSkipped())('the server on PostgreSQL', () => {
  let t: TestServer;
  let proxy: TcpProxy;
  const schema = `cutoff_http_${process.pid}_${Date.now().toString(36)}`;

  beforeAll(async () => {
    const target = new URL(testDatabaseUrl());
    proxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
    const viaProxy = new URL(testDatabaseUrl());
    viaProxy.port = String(proxy.port);
    const store = createPostgresStore({ connectionString: viaProxy.toString(), schema, maxConnections: 4 });
    t = await startTestServer({ store });
  });
  afterAll(async () => {
    await t.close();
    await proxy.close();
    await dropSchemas(testDatabaseUrl(), [schema]);
  });

  it('logs in, refreshes, revokes and audits', async () => {
    expect((await t.api('GET', '/readyz', undefined, null)).body.store).toBe('postgres');
    const user = await t.createUser({ groups: ['eng'] });
    const login = (await t.login(user.username, user.password)).body;
    const refreshed = await t.form('/oauth/token', {
      grant_type: 'refresh_token',
      refresh_token: login.refresh_token,
      client_id: 'cutoff',
    });
    expect(refreshed.status).toBe(200);
    const revoked = await t.api('POST', '/v1/revocations', {
      target: { type: 'group', id: 'eng' },
      reason: 'manual',
    });
    expect(revoked.body).toMatchObject({ sessions_revoked: 1, refresh_tokens_revoked: 1 });
    const key = await t.apiKey(['introspect']);
    const introspection = await t.form(
      '/oauth/introspect',
      { token: refreshed.body.access_token },
      { authorization: `Bearer ${key}` },
    );
    expect(introspection.body).toEqual({ active: false });
    expect((await t.api('GET', '/v1/audit/verify')).body.ok).toBe(true);
  });

  it('a revocation that cannot be made durable fails loudly (503) and leaves nothing half-applied', async () => {
    const user = await t.createUser();
    await t.login(user.username, user.password);
    const headBefore = (await t.api('GET', '/v1/revocations?after=0')).body.head as number;
    const auditBefore = (await t.api('GET', '/v1/audit/verify')).body.count as number;

    proxy.cut();
    const failed = await t.api('POST', '/v1/revocations', {
      target: { type: 'user', id: user.id },
      reason: 'offboarding',
    });
    expect(failed.status).toBe(503);
    expect(failed.body).toMatchObject({ error: 'store_unavailable', code: 'ERR_STORE_UNAVAILABLE' });
    expect(JSON.stringify(failed.body)).not.toMatch(/ECONN|terminated|127\.0\.0\.1/);
    expect((await t.api('GET', '/readyz', undefined, null)).status).toBe(503);
    proxy.resume();

    // Nothing of the failed call was kept: no entry, no audit event, the session still active.
    expect((await t.api('GET', '/v1/revocations?after=0')).body.head).toBe(headBefore);
    expect((await t.api('GET', '/v1/audit/verify')).body).toMatchObject({ ok: true, count: auditBefore });
    expect((await t.api('GET', `/v1/users/${user.id}/sessions`)).body.sessions[0].status).toBe('active');
    const retried = await t.api('POST', '/v1/revocations', {
      target: { type: 'user', id: user.id },
      reason: 'offboarding',
    });
    expect(retried.status).toBe(201);
    expect(retried.body).toMatchObject({ seq: headBefore + 1, sessions_revoked: 1 });
  });
});
