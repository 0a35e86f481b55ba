import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/test-server.js';

/** A date-time `seconds` from now, to the whole second (the precision end dates are kept at). */
const inSeconds = (seconds: number): string =>
  new Date(Math.floor(Date.now() / 1000 + seconds) * 1000).toISOString();

describe('group admin API', () => {
  let t: TestServer;
  beforeAll(async () => {
    // A long interval: these tests end groups by hand, never by the schedule.
    t = await startTestServer({ config: { scheduleIntervalMs: 3_600_000 } });
  });
  afterAll(() => t.close());

  it('creates a group record with an end date, then updates it, and audits both', async () => {
    await t.createUser({ groups: ['phoenix'] });
    await t.createUser({ groups: ['phoenix', 'staff'] });
    const endAt = inSeconds(3600);
    const created = await t.api('PUT', '/v1/groups/phoenix', {
      display_name: 'Project Phoenix',
      end_at: endAt,
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      name: 'phoenix',
      display_name: 'Project Phoenix',
      end_at: endAt,
      ended_at: null,
      members: 2,
    });
    expect(created.body.id).toMatch(/^grp_[A-Za-z0-9_-]{22}$/);

    const later = inSeconds(7200);
    const updated = await t.api('PUT', '/v1/groups/phoenix', { end_at: later });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({
      id: created.body.id,
      display_name: 'Project Phoenix',
      end_at: later,
    });
    expect((await t.api('GET', '/v1/groups/phoenix')).body).toEqual(updated.body);

    const cleared = await t.api('PUT', '/v1/groups/phoenix', { end_at: null });
    expect(cleared.body.end_at).toBeNull();

    const audit = await t.api('GET', '/v1/audit?target=group:phoenix&limit=10');
    expect(audit.body.events.map((event: any) => event.action)).toEqual([
      'group.created',
      'group.updated',
      'group.updated',
    ]);
    expect(audit.body.events[1].details).toMatchObject({
      changed: ['end_at'],
      end_at_before: endAt,
      end_at: later,
    });
    expect(audit.body.events[0].actor).toEqual({ type: 'admin', id: 'bootstrap' });
  });

  it('lists groups with their member counts', async () => {
    await t.api('PUT', '/v1/groups/listed-a', {});
    await t.api('PUT', '/v1/groups/listed-b', { display_name: 'B' });
    const first = await t.api('GET', '/v1/groups?limit=1');
    expect(first.status).toBe(200);
    expect(first.body.groups).toHaveLength(1);
    expect(first.body.next_cursor).toEqual(expect.any(String));
    const all = await t.api('GET', '/v1/groups?limit=200');
    const names = all.body.groups.map((group: any) => group.name);
    expect(names).toEqual(expect.arrayContaining(['listed-a', 'listed-b']));
    expect(all.body.groups.find((group: any) => group.name === 'listed-a')).toMatchObject({
      display_name: 'listed-a',
      members: 0,
      end_at: null,
    });
  });

  it('keeps end dates to the second, rounded down', async () => {
    const response = await t.api('PUT', '/v1/groups/precise', { end_at: '2999-01-01T10:00:00.999Z' });
    expect(response.body.end_at).toBe('2999-01-01T10:00:00.000Z');
  });

  it('refuses an end date in the past, a malformed one, a bad name and unknown fields, changing nothing', async () => {
    for (const body of [
      { end_at: new Date(Date.now() - 1000).toISOString() },
      { end_at: 'next tuesday' },
      { end_at: 1767225600 },
      { display_name: '' },
      { owner: 'me' },
    ]) {
      const response = await t.api('PUT', '/v1/groups/rejected', body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.body.code).toBe('ERR_VALIDATION');
    }
    expect((await t.api('GET', '/v1/groups/rejected')).status).toBe(404);
    expect((await t.api('PUT', '/v1/groups/has%20space', {})).status).toBe(400);
  });

  it('needs the admin scope', async () => {
    const feedKey = await t.apiKey(['feed:read']);
    expect((await t.api('GET', '/v1/groups', undefined, null)).status).toBe(401);
    expect((await t.api('PUT', '/v1/groups/x', {}, feedKey)).status).toBe(403);
    expect((await t.api('POST', '/v1/groups/x/end', undefined, feedKey)).status).toBe(403);
    expect((await t.api('GET', '/v1/reports/groups/x', undefined, feedKey)).status).toBe(403);
  });

  it('answers 404 for ending or reporting on a name with neither a record nor members', async () => {
    const end = await t.api('POST', '/v1/groups/nobody-here/end');
    expect(end.status).toBe(404);
    expect(end.body.code).toBe('ERR_NOT_FOUND');
    expect((await t.api('GET', '/v1/groups/nobody-here')).status).toBe(404);
    expect((await t.api('GET', '/v1/reports/groups/nobody-here')).status).toBe(404);
  });

  it('ends a bare group name that has members (creating its record), and ending again is a no-op 200', async () => {
    const member = await t.createUser({ groups: ['bare-team'] });
    const first = await t.api('POST', '/v1/groups/bare-team/end', { note: 'project closed' });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      outcome: 'ended',
      group: { name: 'bare-team', members: 0, end_at: null },
      revocation: { reason: 'contractor_end', sessions_revoked: 0 },
      members_removed: [{ id: member.id, username: member.username }],
    });
    expect(first.body.group.ended_at).toEqual(expect.any(String));

    const again = await t.api('POST', '/v1/groups/bare-team/end');
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ outcome: 'already_ended', revocation: null, members_removed: [] });
    expect(again.body.group.ended_at).toBe(first.body.group.ended_at);

    const ended = await t.api('GET', '/v1/audit?action=group.ended&target=group:bare-team');
    expect(ended.body.events).toHaveLength(1);
    expect(ended.body.events[0].details).toMatchObject({ note: 'project closed', trigger: 'end_project' });
    expect((await t.api('GET', `/v1/users/${member.id}`)).body.groups).toEqual([]);

    // The end date of an ended group can no longer change; its display name can.
    expect((await t.api('PUT', '/v1/groups/bare-team', { end_at: inSeconds(60) })).status).toBe(409);
    expect((await t.api('PUT', '/v1/groups/bare-team', { display_name: 'Closed' })).status).toBe(200);
  });

  it('publishes the group endpoints in the OpenAPI document', async () => {
    const doc = (await t.api('GET', '/openapi.json', undefined, null)).body;
    for (const path of [
      '/v1/groups',
      '/v1/groups/{name}',
      '/v1/groups/{name}/end',
      '/v1/reports/groups/{name}',
    ])
      expect(doc.paths, path).toHaveProperty([path]);
  });
});
