import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kyselyOf } from '../support/stores.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

describe('audit trail', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(() => t.close());

  it('records every state change as a hash-chained event with actor, target and request', async () => {
    const user = await t.createUser({ roles: ['ops'] });
    await t.login(user.username, 'wrong-password-here');
    const login = await t.login(user.username, user.password);
    await t.api('PATCH', `/v1/users/${user.id}`, { email: 'ops@example.com' });
    await t.api('POST', '/v1/revocations', { target: { type: 'user', id: user.id }, reason: 'offboarding' });
    await t.apiKey(['feed:read']);
    await t.api('POST', '/v1/keys/rotate', {});

    const events = (await t.api('GET', '/v1/audit?limit=1000')).body.events as any[];
    const actions = events.map((event) => event.action);
    for (const action of [
      'user.created',
      'login.failed',
      'login.succeeded',
      'session.created',
      'user.updated',
      'user.revoked',
      'api_key.created',
      'key.rotated',
    ]) {
      expect(actions, action).toContain(action);
    }
    const revoked = events.find((event) => event.action === 'user.revoked');
    expect(revoked).toMatchObject({
      actor: { type: 'admin', id: 'bootstrap' },
      target: { type: 'user', id: user.id },
      reason: 'offboarding',
      counts: { sessions: 1, refresh_tokens: 1 },
      request: { ip: '127.0.0.1' },
    });
    const sessionCreated = events.find((event) => event.action === 'session.created');
    expect(sessionCreated.target).toEqual({ type: 'session', id: login.body.session_id });
    // Linked: each event's prev_hash is the previous event's hash.
    for (let index = 1; index < events.length; index += 1)
      expect(events[index].prev_hash).toBe(events[index - 1].hash);
    expect(events[0].prev_hash).toBe('0'.repeat(64));
    // Nothing secret in the trail.
    const text = JSON.stringify(events);
    expect(text).not.toContain(user.password);
    expect(text).not.toContain(login.body.refresh_token);
    expect(text).not.toContain(login.body.access_token);
  });

  it('filters by action, actor, target and time, and pages with a cursor', async () => {
    const user = await t.createUser();
    const byTarget = (await t.api('GET', `/v1/audit?target=user:${user.id}`)).body.events;
    expect(byTarget.map((event: any) => event.action)).toEqual(['user.created']);
    const byActor = (await t.api('GET', '/v1/audit?actor=bootstrap&action=user.created')).body.events;
    expect(byActor.length).toBeGreaterThanOrEqual(2);
    const future = (await t.api('GET', `/v1/audit?since=${new Date(Date.now() + 60_000).toISOString()}`)).body
      .events;
    expect(future).toEqual([]);
    const page1 = (await t.api('GET', '/v1/audit?limit=2')).body;
    expect(page1.events).toHaveLength(2);
    const page2 = (await t.api('GET', `/v1/audit?limit=2&cursor=${page1.next_cursor}`)).body;
    expect(page2.events[0].seq).toBe(page1.events[1].seq + 1);
    expect((await t.api('GET', '/v1/audit?since=yesterday')).status).toBe(400);
  });

  it('verifies the chain, and detects tampering with any stored event', async () => {
    const verified = (await t.api('GET', '/v1/audit/verify')).body;
    expect(verified.ok).toBe(true);
    expect(verified.count).toBeGreaterThan(5);
    expect(verified.head_hash).toMatch(/^[0-9a-f]{64}$/);

    const db = kyselyOf(t.store);
    const victim = await db
      .selectFrom('audit_events')
      .selectAll()
      .where('action', '=', 'user.revoked')
      .executeTakeFirstOrThrow();
    const data = JSON.parse(victim.data);
    data.counts.sessions = 0; // someone hides how many sessions were cut
    await db
      .updateTable('audit_events')
      .set({ data: JSON.stringify(data) })
      .where('seq', '=', victim.seq)
      .execute();
    const broken = (await t.api('GET', '/v1/audit/verify')).body;
    expect(broken).toMatchObject({ ok: false, broken_at: victim.seq });
  });
});
