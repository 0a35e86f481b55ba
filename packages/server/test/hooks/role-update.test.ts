import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startProtectedApp, type ProtectedApp } from '../support/protected-app.js';
import { decodeJwtPart, startTestServer, type TestServer } from '../support/test-server.js';
import { nextSecond, postHook, writeHooksFile } from './hook-client.js';

const SECRET = 'idp-secret-0123456789abcd';

/** An identity-governance tool (e.g. SailPoint, Saviynt) sending `role.updated` with the full role list. */
const roleUpdated = (eventId: string, username: string, roles: unknown) => ({
  id: eventId,
  type: 'role.updated',
  occurred_at: new Date().toISOString(),
  data: { user: { login: username }, roles },
});

describe('inbound role.updated: a downgrade cuts the sessions, an upgrade does not', () => {
  let t: TestServer;
  let app: ProtectedApp;

  const send = (payload: unknown) => postHook(t, 'iga', payload, { secret: SECRET });

  beforeAll(async () => {
    const hooksFile = writeHooksFile({
      iga: {
        secret: SECRET,
        eventId: { path: 'id' },
        events: [
          {
            name: 'role-updated',
            when: { path: 'type', equals: 'role.updated' },
            action: 'role_update',
            user: { path: 'data.user.login', by: 'username' },
            roles: { path: 'data.roles' },
          },
        ],
      },
    });
    t = await startTestServer({ config: { hooksFile } });
    app = await startProtectedApp({ issuer: t.url, feedApiKey: await t.apiKey(['feed:read']) });
  });
  afterAll(async () => {
    // The server first: closing the app first lets its guard reconnect during the server's close.
    await t.close();
    await app.close();
  });

  it('a downgrade: 401 at the app, refresh fails, the re-login carries the reduced roles', async () => {
    const user = await t.createUser({ roles: ['admin', 'viewer'] });
    const session = (await t.login(user.username, user.password)).body;
    expect(decodeJwtPart(session.access_token, 1).roles).toEqual(['admin', 'viewer']);
    expect(await app.status(session.access_token)).toBe(200);

    const response = await send(roleUpdated('evt-down-1', user.username, ['viewer']));
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      matched: true,
      applied: true,
      action: 'role_update',
      user_id: user.id,
      roles: ['viewer'],
      revocation: { reason: 'role_change', sessions_revoked: 1 },
    });
    await eventually(async () => (await app.status(session.access_token)) === 401, 3000);
    const refresh = await t.form('/oauth/token', {
      grant_type: 'refresh_token',
      refresh_token: session.refresh_token,
      client_id: 'cutoff',
    });
    expect(refresh.status).toBe(400);
    expect(refresh.body.error).toBe('invalid_grant');

    await nextSecond();
    const again = (await t.login(user.username, user.password)).body.access_token as string;
    expect(decodeJwtPart(again, 1).roles).toEqual(['viewer']);
    expect(await app.status(again)).toBe(200);

    const [updated] = (await t.api('GET', `/v1/audit?action=user.updated&target=user:${user.id}&actor=iga`))
      .body.events;
    expect(updated).toMatchObject({
      actor: { type: 'webhook', id: 'iga' },
      details: {
        roles_before: ['admin', 'viewer'],
        roles_after: ['viewer'],
        source: 'iga',
        mapping: 'role-updated',
        event_id: 'evt-down-1',
      },
    });
    const [revoked] = (await t.api('GET', `/v1/audit?action=user.revoked&target=user:${user.id}`)).body
      .events;
    expect(revoked).toMatchObject({
      actor: { type: 'webhook', id: 'iga' },
      reason: 'role_change',
      details: { mapping: 'role-updated', event_id: 'evt-down-1' },
    });
  });

  it('an upgrade (also as a comma-separated string) revokes nothing and the token stays valid', async () => {
    const user = await t.createUser({ roles: ['viewer'] });
    const token = (await t.login(user.username, user.password)).body.access_token as string;
    const head = (await t.api('GET', '/v1/revocations?after=0')).body.head;
    const response = await send(roleUpdated('evt-up-1', user.username, 'viewer, editor'));
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ applied: true, roles: ['editor', 'viewer'], revocation: null });
    expect((await t.api('GET', '/v1/revocations?after=0')).body.head).toBe(head);
    expect(await app.status(token)).toBe(200);
    expect((await t.api('GET', `/v1/users/${user.id}`)).body.roles).toEqual(['editor', 'viewer']);
  });

  it('refuses invalid role names with 400 and changes nothing; a replay of an applied update is a 401', async () => {
    const user = await t.createUser({ roles: ['viewer'] });
    const bad = await send(roleUpdated('evt-bad-1', user.username, ['has space']));
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/invalid role name at data.roles/);
    expect((await t.api('GET', `/v1/users/${user.id}`)).body.roles).toEqual(['viewer']);

    expect((await send(roleUpdated('evt-same', user.username, []))).status).toBe(200);
    expect((await t.api('GET', `/v1/users/${user.id}`)).body.roles).toEqual([]);
    await t.api('PATCH', `/v1/users/${user.id}`, { roles: ['viewer'] });
    const replay = await send(roleUpdated('evt-same', user.username, []));
    expect(replay.status).toBe(401);
    expect((await t.api('GET', `/v1/users/${user.id}`)).body.roles).toEqual(['viewer']);
  });
});
