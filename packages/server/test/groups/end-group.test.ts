import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startProtectedApp, type ProtectedApp } from '../support/protected-app.js';
import { decodeJwtPart, startTestServer, type TestServer, type TestUser } from '../support/test-server.js';

interface Tokens {
  readonly access_token: string;
  readonly refresh_token: string;
}

describe('ending a contractor group: at its end date (schedule) and now ("End Project")', () => {
  let t: TestServer;
  let app: ProtectedApp;
  beforeAll(async () => {
    t = await startTestServer({ config: { scheduleIntervalMs: 100 } });
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
  const events = async (action: string, group: string) =>
    (await t.api('GET', `/v1/audit?action=${action}&target=group:${group}`)).body.events as any[];

  /** Everything a user cares about once the group has ended: nothing of it still works. */
  const expectCutOff = async (group: string, member: TestUser, tokens: Tokens, bystander: Tokens) => {
    await eventually(async () => (await app.status(tokens.access_token)) === 401, 3000);
    expect(await app.status(bystander.access_token)).toBe(200);
    const refreshed = await refresh(tokens);
    expect(refreshed.status).toBe(400);
    expect(refreshed.body.error).toBe('invalid_grant');
    const sessions = (await t.api('GET', `/v1/users/${member.id}/sessions`)).body.sessions;
    expect(sessions.map((session: any) => [session.status, session.revoked_reason])).toEqual([
      ['revoked', 'contractor_end'],
    ]);
    // Logging in again works, without the group.
    const relogin = await login(member);
    const claims = decodeJwtPart(relogin.access_token, 1);
    expect(claims.groups).toEqual(['staff']);
    expect(claims.groups).not.toContain(group);
    expect(claims).not.toHaveProperty('access_until');
    expect(await app.status(relogin.access_token)).toBe(200);
    expect((await t.api('GET', `/v1/users/${member.id}`)).body.groups).toEqual(['staff']);
  };

  it('the schedule ends the group at its end date: guard 401, refresh invalid_grant, re-login without it', async () => {
    const group = 'sched-proj';
    const member = await t.createUser({ groups: [group, 'staff'] });
    const other = await t.createUser({ groups: ['staff'] });
    const endAt = new Date(Math.floor(Date.now() / 1000 + 2) * 1000);
    await t.api('PUT', `/v1/groups/${group}`, { end_at: endAt.toISOString() });
    const tokens = await login(member);
    const bystander = await login(other);
    expect(await app.status(tokens.access_token)).toBe(200);

    await eventually(
      async () => (await t.api('GET', `/v1/groups/${group}`)).body.ended_at !== null,
      5000,
      50,
    );
    const ended = (await t.api('GET', `/v1/groups/${group}`)).body;
    expect(Date.parse(ended.ended_at)).toBeGreaterThanOrEqual(endAt.getTime());
    expect(ended.members).toBe(0);

    const revoked = await events('group.revoked', group);
    expect(revoked).toHaveLength(1);
    expect(revoked[0]).toMatchObject({
      reason: 'contractor_end',
      actor: { type: 'system', id: 'scheduler' },
      counts: { sessions: 1, refresh_tokens: 1 },
      details: { trigger: 'end_date', members: [member.id] },
    });
    const endedEvents = await events('group.ended', group);
    expect(endedEvents).toHaveLength(1);
    expect(endedEvents[0]).toMatchObject({
      actor: { type: 'system', id: 'scheduler' },
      reason: 'contractor_end',
      details: { members: [{ id: member.id, username: member.username }] },
    });

    await expectCutOff(group, member, tokens, bystander);
  });

  it('POST /v1/groups/{name}/end ends it now, with the admin as actor', async () => {
    const group = 'end-now-proj';
    const member = await t.createUser({ groups: ['staff', group] });
    const other = await t.createUser({ groups: ['staff'] });
    await t.api('PUT', `/v1/groups/${group}`, { end_at: new Date(Date.now() + 3600_000).toISOString() });
    const tokens = await login(member);
    const bystander = await login(other);
    expect(await app.status(tokens.access_token)).toBe(200);

    const response = await t.api('POST', `/v1/groups/${group}/end`, { note: 'project closed early' });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      outcome: 'ended',
      revocation: { reason: 'contractor_end', sessions_revoked: 1, refresh_tokens_revoked: 1 },
      members_removed: [{ id: member.id, username: member.username }],
    });
    expect(response.body.group.ended_at).toEqual(expect.any(String));
    const revoked = await events('group.revoked', group);
    expect(revoked).toHaveLength(1);
    expect(revoked[0]).toMatchObject({
      actor: { type: 'admin', id: 'bootstrap' },
      details: { trigger: 'end_project', note: 'project closed early', seq: response.body.revocation.seq },
    });

    await expectCutOff(group, member, tokens, bystander);
  });

  it('a member re-added to an ended group gets no access through it', async () => {
    const group = 'reopened-proj';
    const member = await t.createUser({ groups: [group, 'staff'] });
    await t.api('POST', `/v1/groups/${group}/end`);
    await t.api('PATCH', `/v1/users/${member.id}`, { groups: [group, 'staff'] });
    const claims = decodeJwtPart((await login(member)).access_token, 1);
    expect(claims.groups).toEqual(['staff']);
  });
});
