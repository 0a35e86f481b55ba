import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_BACKENDS } from '../support/stores.js';
import { eventually, startProtectedApp, type ProtectedApp } from '../support/protected-app.js';
import { startTestServer, type TestServer, type TestUser } from '../support/test-server.js';

interface Tokens {
  readonly access_token: string;
  readonly refresh_token: string;
}

describe.each(TEST_BACKENDS)('End Project with deactivate_members: exclusive (%s)', (backend) => {
  let t: TestServer;
  let app: ProtectedApp;
  beforeAll(async () => {
    t = await startTestServer({ backend, config: { scheduleIntervalMs: 100 } });
    app = await startProtectedApp({ issuer: t.url, feedApiKey: await t.apiKey(['feed:read']) });
  });
  afterAll(async () => {
    await app.close();
    await t.close();
  });

  const login = async (user: TestUser): Promise<Tokens> => {
    const response = await t.login(user.username, user.password);
    expect(response.status).toBe(200);
    return response.body as Tokens;
  };
  const refresh = (tokens: Tokens) =>
    t.form('/oauth/token', {
      grant_type: 'refresh_token',
      refresh_token: tokens.refresh_token,
      client_id: 'cutoff',
    });
  const events = async (action: string, target: string) =>
    (await t.api('GET', `/v1/audit?action=${action}&target=${target}`)).body.events as any[];
  const isActive = async (user: TestUser) =>
    (await t.api('GET', `/v1/users/${user.id}`)).body.active as boolean;

  /** A member deactivated by the end: tokens refused by the guard, refresh dead, no login. */
  const expectLockedOut = async (member: TestUser, tokens: Tokens) => {
    await eventually(async () => (await app.status(tokens.access_token)) === 401, 3000);
    expect((await refresh(tokens)).body.error).toBe('invalid_grant');
    expect(await isActive(member)).toBe(false);
    const again = await t.login(member.username, member.password);
    expect(again.status).toBe(401);
    const sessions = (await t.api('GET', `/v1/users/${member.id}/sessions`)).body.sessions;
    expect(sessions.map((session: any) => [session.status, session.revoked_reason])).toEqual([
      ['revoked', 'contractor_end'],
    ]);
  };

  it('deactivates members in no other group, keeps members of other groups, and the report shows both', async () => {
    const group = 'orion-proj';
    const solo = await t.createUser({ groups: [group] });
    const dual = await t.createUser({ groups: [group, 'staff'] });
    const dormant = await t.createUser({ groups: [group] });
    await t.api('PATCH', `/v1/users/${dormant.id}`, { active: false });
    const bystander = await t.createUser({ groups: ['staff'] });
    const soloTokens = await login(solo);
    const dualTokens = await login(dual);
    const bystanderTokens = await login(bystander);
    expect(await app.status(soloTokens.access_token)).toBe(200);

    const response = await t.api('POST', `/v1/groups/${group}/end`, {
      deactivate_members: 'exclusive',
      note: 'project closed',
    });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      outcome: 'ended',
      deactivate_members: 'exclusive',
      members_deactivated: 1,
      revocation: { reason: 'contractor_end', sessions_revoked: 2 },
    });
    const byId = new Map(response.body.members_removed.map((member: any) => [member.id, member]));
    expect(byId.get(solo.id)).toEqual({
      id: solo.id,
      username: solo.username,
      account: 'deactivated',
      other_groups: [],
    });
    expect(byId.get(dual.id)).toMatchObject({ account: 'kept_active', other_groups: ['staff'] });
    expect(byId.get(dormant.id)).toMatchObject({ account: 'already_inactive' });

    await expectLockedOut(solo, soloTokens);
    // The member of another group lost this group's access, not the account.
    await eventually(async () => (await app.status(dualTokens.access_token)) === 401, 3000);
    expect(await isActive(dual)).toBe(true);
    expect((await t.login(dual.username, dual.password)).status).toBe(200);
    expect(await app.status(bystanderTokens.access_token)).toBe(200);

    // Audited like any deactivation, and revoked as a user, in the transaction of the end.
    const updated = await events('user.updated', `user:${solo.id}`);
    expect(updated).toHaveLength(1);
    expect(updated[0]).toMatchObject({
      reason: 'contractor_end',
      actor: { type: 'admin', id: 'bootstrap' },
      details: { changed: ['active'], active: false, trigger: 'group_end', group },
    });
    const revoked = await events('user.revoked', `user:${solo.id}`);
    expect(revoked).toHaveLength(1);
    expect(revoked[0]).toMatchObject({ reason: 'contractor_end', details: { trigger: 'group_end', group } });
    const [ended] = await events('group.ended', `group:${group}`);
    expect(ended).toMatchObject({
      counts: { members: 3, deactivated: 1 },
      details: { deactivate_members: 'exclusive' },
    });
    expect(ended.seq - updated[0].seq).toBe(2); // user.updated, user.revoked, group.ended: one commit
    expect(await events('user.updated', `user:${dual.id}`)).toEqual([]);

    const report = (await t.api('GET', `/v1/reports/groups/${group}?format=json`)).body;
    expect(report.group.deactivate_members).toBe('exclusive');
    const members = new Map<string, any>(report.members.map((member: any) => [member.user_id, member]));
    expect(members.get(solo.id)).toMatchObject({
      account_active: false,
      account_at_end: { outcome: 'deactivated', other_groups: [] },
    });
    expect(members.get(solo.id).revocations.map((proof: any) => proof.action)).toEqual([
      'group.revoked',
      'user.revoked',
    ]);
    expect(members.get(dual.id)).toMatchObject({
      account_active: true,
      account_at_end: { outcome: 'kept_active', other_groups: ['staff'] },
    });
    const html = await fetch(`${t.url}/v1/reports/groups/${group}?format=html`, {
      headers: { authorization: `Bearer ${t.adminKey}` },
    });
    expect(await html.text()).toContain('kept active when the group ended: also in staff; now active');
  });

  it('the group record carries the choice, so the end date deactivates the same way', async () => {
    const group = 'vega-proj';
    const solo = await t.createUser({ groups: [group] });
    const dual = await t.createUser({ groups: [group, 'staff'] });
    // Logged in first, so a slow machine cannot reach the end date before the login.
    const soloTokens = await login(solo);
    const endAt = new Date(Math.floor(Date.now() / 1000 + 3) * 1000);
    const put = await t.api('PUT', `/v1/groups/${group}`, {
      end_at: endAt.toISOString(),
      deactivate_members: 'exclusive',
    });
    expect(put.status).toBe(201);
    expect(put.body).toMatchObject({ deactivate_members: 'exclusive', end_at: endAt.toISOString() });

    await eventually(
      async () => (await t.api('GET', `/v1/groups/${group}`)).body.ended_at !== null,
      15_000,
      50,
    );
    await expectLockedOut(solo, soloTokens);
    expect(await isActive(dual)).toBe(true);
    const updated = await events('user.updated', `user:${solo.id}`);
    expect(updated[0]).toMatchObject({
      actor: { type: 'system', id: 'scheduler' },
      details: { active: false },
    });
    const [ended] = await events('group.ended', `group:${group}`);
    expect(ended.details).toMatchObject({ trigger: 'end_date', deactivate_members: 'exclusive' });

    // Once ended, what its end did can no longer change.
    const late = await t.api('PUT', `/v1/groups/${group}`, { deactivate_members: 'none' });
    expect(late.status).toBe(409);
  });

  it('without the option nobody is deactivated (none is the default); a bad value is a 400 that changes nothing', async () => {
    const group = 'lyra-proj';
    const solo = await t.createUser({ groups: [group] });
    const bad = await t.api('POST', `/v1/groups/${group}/end`, { deactivate_members: 'everyone' });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('ERR_VALIDATION');
    expect((await t.api('GET', `/v1/users/${solo.id}`)).body.groups).toEqual([group]);

    const response = await t.api('POST', `/v1/groups/${group}/end`);
    expect(response.body).toMatchObject({
      outcome: 'ended',
      deactivate_members: 'none',
      members_deactivated: 0,
      members_removed: [{ id: solo.id, account: 'unchanged', other_groups: [] }],
    });
    expect(await isActive(solo)).toBe(true);
    // An explicit `none` overrides a record's `exclusive`.
    const other = 'cetus-proj';
    const member = await t.createUser({ groups: [other] });
    await t.api('PUT', `/v1/groups/${other}`, { deactivate_members: 'exclusive' });
    const overridden = await t.api('POST', `/v1/groups/${other}/end`, { deactivate_members: 'none' });
    expect(overridden.body).toMatchObject({ deactivate_members: 'none', members_deactivated: 0 });
    expect(await isActive(member)).toBe(true);
  });
});
