import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeJwtPart, startTestServer, type TestServer } from '../support/test-server.js';

interface Login {
  readonly access_token: string;
  readonly refresh_token: string;
  readonly session_id: string;
}

describe('revocation', () => {
  let t: TestServer;
  let introspectKey: string;

  const login = async (username: string, password: string, clientId?: string): Promise<Login> => {
    const response = await t.login(username, password, clientId === undefined ? {} : { client_id: clientId });
    expect(response.status).toBe(200);
    return response.body as Login;
  };
  const active = async (token: string): Promise<boolean> =>
    (await t.form('/oauth/introspect', { token }, { authorization: `Bearer ${introspectKey}` })).body
      .active as boolean;
  const refreshes = async (session: Login, clientId = 'cutoff'): Promise<boolean> =>
    (
      await t.form('/oauth/token', {
        grant_type: 'refresh_token',
        refresh_token: session.refresh_token,
        client_id: clientId,
      })
    ).status === 200;
  const revoke = (type: string, id: string, extra: Record<string, unknown> = {}) =>
    t.api('POST', '/v1/revocations', { target: { type, id }, reason: 'offboarding', ...extra });
  /** A token issued in the watermark's second is rejected by design; later ones are not. */
  const nextSecond = () => new Promise((resolve) => setTimeout(resolve, 1000 - (Date.now() % 1000) + 20));

  beforeAll(async () => {
    t = await startTestServer();
    introspectKey = await t.apiKey(['introspect']);
  });
  afterAll(() => t.close());

  it('session: kills that session only', async () => {
    const user = await t.createUser();
    const [a, b] = [await login(user.username, user.password), await login(user.username, user.password)];
    const response = await revoke('session', a.session_id);
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({ sessions_revoked: 1, refresh_tokens_revoked: 1, dry_run: false });
    expect(response.body.id).toMatch(/^rev_/);
    expect(response.body.seq).toBeGreaterThan(0);
    expect(new Date(response.body.effective_at).getTime()).toBeLessThanOrEqual(Date.now());
    expect(await active(a.access_token)).toBe(false);
    expect(await refreshes(a)).toBe(false);
    expect(await active(b.access_token)).toBe(true);
    expect(await refreshes(b)).toBe(true);
  });

  it('token: kills one access token; its session can still refresh', async () => {
    const user = await t.createUser();
    const a = await login(user.username, user.password);
    const jti = decodeJwtPart(a.access_token, 1).jti as string;
    const response = await revoke('token', jti);
    expect(response.body).toMatchObject({ sessions_revoked: 0, refresh_tokens_revoked: 0 });
    expect(await active(a.access_token)).toBe(false);
    expect(await refreshes(a)).toBe(true);
  });

  it('user: kills every session of the user, not of others; a later login works', async () => {
    const [alice, bob] = [await t.createUser(), await t.createUser()];
    const a1 = await login(alice.username, alice.password);
    const a2 = await login(alice.username, alice.password);
    const b1 = await login(bob.username, bob.password);
    const response = await revoke('user', alice.id);
    expect(response.body).toMatchObject({ sessions_revoked: 2, refresh_tokens_revoked: 2 });
    for (const session of [a1, a2]) {
      expect(await active(session.access_token)).toBe(false);
      expect(await refreshes(session)).toBe(false);
    }
    expect(await active(b1.access_token)).toBe(true);
    await nextSecond();
    expect(await active((await login(alice.username, alice.password)).access_token)).toBe(true);
  });

  it('group and role: kill members and holders only', async () => {
    const contractor = await t.createUser({ groups: ['contractors-phoenix'], roles: ['dev'] });
    const admin = await t.createUser({ groups: ['staff'], roles: ['admin'] });
    const c = await login(contractor.username, contractor.password);
    const a = await login(admin.username, admin.password);
    expect(
      (await revoke('group', 'contractors-phoenix', { reason: 'contractor_end' })).body.sessions_revoked,
    ).toBe(1);
    expect(await active(c.access_token)).toBe(false);
    expect(await refreshes(c)).toBe(false);
    expect(await active(a.access_token)).toBe(true);
    expect((await revoke('role', 'admin', { reason: 'role_change' })).body.sessions_revoked).toBe(1);
    expect(await active(a.access_token)).toBe(false);
    expect(await refreshes(a)).toBe(false);
  });

  it('client: kills user sessions of that client and its client_credentials tokens', async () => {
    const app = await t.api('POST', '/v1/clients', { id: 'kiosk', name: 'Kiosk', type: 'confidential' });
    const secret = app.body.client_secret as string;
    const basic = { authorization: `Basic ${Buffer.from(`kiosk:${secret}`).toString('base64')}` };
    const service = (await t.form('/oauth/token', { grant_type: 'client_credentials' }, basic)).body
      .access_token as string;
    const user = await t.createUser();
    const viaDefault = await login(user.username, user.password);
    expect(await active(service)).toBe(true);
    const response = await revoke('client', 'kiosk', { reason: 'security_incident' });
    expect(response.status).toBe(201);
    expect(await active(service)).toBe(false);
    expect(await active(viaDefault.access_token)).toBe(true);
  });

  it('all: kills everyone', async () => {
    const [x, y] = [await t.createUser(), await t.createUser()];
    const sessions = [await login(x.username, x.password), await login(y.username, y.password)];
    const response = await revoke('all', '*', {
      reason: 'security_incident',
      note: 'signing key suspected leaked',
    });
    expect(response.body.sessions_revoked).toBeGreaterThanOrEqual(2);
    for (const session of sessions) {
      expect(await active(session.access_token)).toBe(false);
      expect(await refreshes(session)).toBe(false);
    }
    const audit = await t.api('GET', '/v1/audit?action=all.revoked');
    expect(audit.body.events[0]).toMatchObject({
      action: 'all.revoked',
      actor: { type: 'admin', id: 'bootstrap' },
      target: { type: 'all', id: '*' },
      reason: 'security_incident',
      counts: {
        sessions: response.body.sessions_revoked,
        refresh_tokens: response.body.refresh_tokens_revoked,
      },
      details: expect.objectContaining({ seq: response.body.seq, note: 'signing key suspected leaked' }),
    });
  });

  it('dry_run counts and changes nothing', async () => {
    await nextSecond();
    const user = await t.createUser({ groups: ['dry'] });
    const session = await login(user.username, user.password);
    const headBefore = (await t.api('GET', '/v1/revocations?after=0')).body.head;
    const response = await revoke('group', 'dry', { dry_run: true });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      id: null,
      seq: null,
      dry_run: true,
      sessions_revoked: 1,
      refresh_tokens_revoked: 1,
      effective_at: null,
      matched: { users: 1, sessions: 1, known: true, known_group: true },
      warnings: [],
    });
    expect(await active(session.access_token)).toBe(true);
    expect((await t.api('GET', '/v1/revocations?after=0')).body.head).toBe(headBefore);
  });

  it('a mistyped group or role is still written, and answered with matched nothing, a warning and the close name', async () => {
    const contractor = await t.createUser({ groups: ['vendors-orion'], roles: ['admin'] });
    const session = await login(contractor.username, contractor.password);
    const headBefore = (await t.api('GET', '/v1/revocations?after=0')).body.head;

    const group = await revoke('group', 'vendors-orino', { reason: 'contractor_end' });
    expect(group.status).toBe(201);
    expect(group.body).toMatchObject({
      sessions_revoked: 0,
      matched: { users: 0, sessions: 0, known: false, known_group: false },
      warnings: [
        {
          code: 'target_matched_nothing',
          message: expect.stringContaining("group 'vendors-orino' is not a known group"),
          suggestions: ['vendors-orion'],
        },
      ],
    });
    expect(group.body.warnings[0].message).toContain("Did you mean 'vendors-orion'?");
    // Still written: a token issued later carrying the name is refused.
    const feed = (await t.api('GET', `/v1/revocations?after=${headBefore}`)).body.entries;
    expect(feed).toEqual([
      expect.objectContaining({ kind: 'group', key: 'vendors-orino', seq: group.body.seq }),
    ]);
    const audit = (await t.api('GET', '/v1/audit?action=group.revoked&target=group:vendors-orino')).body
      .events;
    expect(audit[0].details).toMatchObject({ matched: { users: 0, known: false } });

    const role = await revoke('role', 'admn', { reason: 'role_change' });
    expect(role.status).toBe(201);
    expect(role.body.matched).toEqual({ users: 0, sessions: 0, known: false });
    expect(role.body.warnings).toEqual([
      expect.objectContaining({ code: 'target_matched_nothing', suggestions: ['admin'] }),
    ]);
    expect(await active(session.access_token)).toBe(true);

    // The dry run warns the same way, before anything is written.
    const dry = await revoke('group', 'vendors-orino', { dry_run: true });
    expect(dry.body.warnings).toEqual([expect.objectContaining({ code: 'target_matched_nothing' })]);

    // The right names match, without warnings.
    const right = await revoke('group', 'vendors-orion', { reason: 'contractor_end' });
    expect(right.body).toMatchObject({
      matched: { users: 1, sessions: 1, known: true, known_group: true },
      warnings: [],
    });
    expect(await active(session.access_token)).toBe(false);
  });

  it('matched counts users and sessions for every kind; known names without holders warn differently', async () => {
    const user = await t.createUser({ roles: ['auditor-x'] });
    const a = await login(user.username, user.password);
    await login(user.username, user.password);
    expect((await revoke('user', user.id)).body).toMatchObject({
      matched: { users: 1, sessions: 2, known: true },
      warnings: [],
    });
    // Nothing left to kill: the entry still matters for access tokens already out there.
    const again = await revoke('user', user.id);
    expect(again.body.matched).toEqual({ users: 1, sessions: 0, known: true });
    expect(again.body.warnings).toEqual([expect.objectContaining({ code: 'no_active_session' })]);
    expect((await revoke('session', a.session_id)).body.warnings).toEqual([
      expect.objectContaining({ code: 'no_active_session' }),
    ]);
    // The role is known (a user holds it) though no session is active: matched its user, no warning.
    expect((await revoke('role', 'auditor-x', { reason: 'role_change' })).body).toMatchObject({
      matched: { users: 1, sessions: 0, known: true },
      warnings: [],
    });
    // A role only a client holds matches that client's service tokens: known, no warning.
    await t.api('POST', '/v1/clients', {
      id: 'etl',
      name: 'ETL',
      type: 'confidential',
      roles: ['etl-writer'],
    });
    expect((await revoke('role', 'etl-writer', { reason: 'role_change' })).body).toMatchObject({
      matched: { users: 0, sessions: 0, known: true },
      warnings: [],
    });
    // A group record without members is known, but the entry matched nobody: a warning, no suggestion.
    await t.api('PUT', '/v1/groups/empty-proj', {});
    const empty = await revoke('group', 'empty-proj', { reason: 'contractor_end' });
    expect(empty.body.matched).toEqual({ users: 0, sessions: 0, known: true, known_group: true });
    expect(empty.body.warnings).toEqual([
      { code: 'target_matched_nothing', message: expect.stringContaining('has no member') },
    ]);
    // A jti cannot be checked: known is null, and no warning.
    const token = await revoke('token', 'jti-anything');
    expect(token.body).toMatchObject({ matched: { users: 0, sessions: 0, known: null }, warnings: [] });
    // A client's users are those with an active session of it.
    const viaCutoff = await t.createUser();
    await login(viaCutoff.username, viaCutoff.password);
    const client = await revoke('client', 'cutoff', { dry_run: true });
    expect(client.body.matched.users).toBeGreaterThanOrEqual(1);
    expect(client.body.matched.sessions).toBeGreaterThanOrEqual(client.body.matched.users);
  });

  it('unknown users, sessions and clients are 404; bad types and reasons are 400; nothing changes', async () => {
    const headBefore = (await t.api('GET', '/v1/revocations?after=0')).body.head;
    expect((await revoke('user', 'usr_missing')).status).toBe(404);
    expect((await revoke('session', 'ses_missing')).status).toBe(404);
    expect((await revoke('client', 'missing')).status).toBe(404);
    expect((await revoke('user', 'usr_missing', { dry_run: true })).status).toBe(404);
    const badType = await t.api('POST', '/v1/revocations', {
      target: { type: 'planet', id: 'x' },
      reason: 'manual',
    });
    expect(badType.status).toBe(400);
    expect(badType.body.code).toBe('ERR_VALIDATION');
    const badReason = await t.api('POST', '/v1/revocations', {
      target: { type: 'user', id: 'x' },
      reason: 'because',
    });
    expect(badReason.status).toBe(400);
    expect(
      (await t.api('POST', '/v1/revocations', { target: { type: 'user' }, reason: 'manual' })).status,
    ).toBe(400);
    expect((await t.api('GET', '/v1/revocations?after=0')).body.head).toBe(headBefore);
  });

  it('DELETE /v1/sessions/{id} revokes a session', async () => {
    const user = await t.createUser();
    const session = await login(user.username, user.password);
    const response = await t.api('DELETE', `/v1/sessions/${session.session_id}`);
    expect(response.status).toBe(200);
    expect(response.body.sessions_revoked).toBe(1);
    expect(await active(session.access_token)).toBe(false);
    expect((await t.api('DELETE', '/v1/sessions/ses_missing')).status).toBe(404);
  });

  it('a role downgrade over PATCH revokes; an upgrade does not', async () => {
    const user = await t.createUser({ roles: ['reader'] });
    const session = await login(user.username, user.password);
    const upgrade = await t.api('PATCH', `/v1/users/${user.id}`, { roles: ['reader', 'writer'] });
    expect(upgrade.body.revocation).toBeNull();
    expect(await active(session.access_token)).toBe(true);
    const downgrade = await t.api('PATCH', `/v1/users/${user.id}`, { roles: ['reader'] });
    expect(downgrade.body.revocation).toMatchObject({ reason: 'role_change', sessions_revoked: 1 });
    expect(await active(session.access_token)).toBe(false);
    expect(await refreshes(session)).toBe(false);
    await nextSecond();
    const again = await login(user.username, user.password);
    expect(decodeJwtPart(again.access_token, 1).roles).toEqual(['reader']);
  });
});
