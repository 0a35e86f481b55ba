import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UserId } from '../../src/domain/ids.js';
import { CSV_COLUMNS } from '../../src/domain/reports/group-access-report.js';
import { startTestServer, type TestServer, type TestUser } from '../support/test-server.js';
import { csvRecords, parseCsv } from './csv-parse.js';

const HOSTILE = `=cmd|' /C calc'!A0`;
const DISPLAY = '<b>Project "Phoenix"</b> & co';

describe('group access report over the API (json, csv, html)', () => {
  let t: TestServer;
  let alice: TestUser;
  let mallory: TestUser;
  let late: TestUser;
  let ended: any;
  let userRevocation: any;

  const raw = async (path: string) => {
    const response = await fetch(`${t.url}${path}`, { headers: { authorization: `Bearer ${t.adminKey}` } });
    return { status: response.status, headers: response.headers, text: await response.text() };
  };

  beforeAll(async () => {
    t = await startTestServer({ config: { scheduleIntervalMs: 3_600_000 } });
    alice = await t.createUser({ groups: ['phoenix', 'staff'] });
    mallory = await t.createUser({ groups: ['phoenix'] });
    // The name an identity provider sent (SCIM displayName), aimed at whoever opens the CSV.
    await t.store.transaction((tx) =>
      tx.users.update(mallory.id as UserId, { displayName: HOSTILE, updatedAt: new Date() }),
    );
    await t.api('PUT', '/v1/groups/phoenix', { display_name: DISPLAY });

    await t.login(alice.username, alice.password);
    // An earlier cutoff of alice alone, then a new session.
    userRevocation = (
      await t.api('POST', '/v1/revocations', {
        target: { type: 'user', id: alice.id },
        reason: 'security_incident',
      })
    ).body;
    await t.login(alice.username, alice.password, {});
    await t.login(mallory.username, mallory.password);

    ended = (await t.api('POST', '/v1/groups/phoenix/end', { note: 'contract over' })).body;
    expect(ended.outcome).toBe('ended');
    // Someone added to the name after it ended is a current member (with no access through it).
    late = await t.createUser({ groups: ['phoenix'] });
  });
  afterAll(() => t.close());

  it('JSON: the group, every member, their sessions and the proof of revocation', async () => {
    const response = await t.api('GET', '/v1/reports/groups/phoenix?format=json');
    expect(response.status).toBe(200);
    const report = response.body;
    expect(report.group).toMatchObject({
      name: 'phoenix',
      display_name: DISPLAY,
      ended_at: ended.group.ended_at,
      ended_by: { type: 'admin', id: 'bootstrap' },
      ended_audit_seq: ended.audit_seq,
    });

    const audit = (await t.api('GET', '/v1/audit?limit=1000')).body.events as any[];
    const bySeq = new Map(audit.map((event) => [event.seq, event]));
    expect(report.group.ended_audit_hash).toBe(bySeq.get(ended.audit_seq).hash);
    const groupRevoked = audit.find(
      (event) => event.action === 'group.revoked' && event.target.id === 'phoenix',
    );

    const byId = new Map(report.members.map((member: any) => [member.user_id, member]));
    expect([...byId.keys()].sort()).toEqual([alice.id, mallory.id, late.id].sort());

    const a = byId.get(alice.id) as any;
    expect(a).toMatchObject({
      username: alice.username,
      membership: 'removed_at_end',
      user_exists: true,
      last_active_session: {
        status: 'revoked',
        revoked: true,
        revoked_reason: 'contractor_end',
        client_id: 'cutoff',
      },
    });
    expect(a.last_active_session.ip).toEqual(expect.any(String));
    expect(a.sessions).toHaveLength(2);
    expect(a.sessions.every((session: any) => session.revoked)).toBe(true);
    expect(a.sessions.map((session: any) => session.revoked_reason).sort()).toEqual([
      'contractor_end',
      'security_incident',
    ]);
    // Oldest first: the user revocation, then the group's end; each with its audit seq and hash.
    expect(a.revocations).toEqual([
      expect.objectContaining({
        action: 'user.revoked',
        reason: 'security_incident',
        revocation_id: userRevocation.id,
        revocation_seq: userRevocation.seq,
        effective_at: userRevocation.effective_at,
      }),
      {
        action: 'group.revoked',
        reason: 'contractor_end',
        actor: { type: 'admin', id: 'bootstrap' },
        revocation_id: ended.revocation.id,
        revocation_seq: ended.revocation.seq,
        effective_at: ended.revocation.effective_at,
        audit_seq: groupRevoked.seq,
        audit_hash: groupRevoked.hash,
      },
    ]);
    for (const proof of a.revocations) expect(bySeq.get(proof.audit_seq).hash).toBe(proof.audit_hash);

    expect(byId.get(mallory.id)).toMatchObject({
      display_name: HOSTILE,
      membership: 'removed_at_end',
      revocations: [expect.objectContaining({ audit_seq: groupRevoked.seq })],
    });
    expect(byId.get(late.id)).toMatchObject({ membership: 'current', sessions: [], revocations: [] });
    expect(report.group_revocations).toEqual([a.revocations[1]]);
  });

  it('CSV: RFC 4180 with a header row, one row per member, formula cells neutralised', async () => {
    const response = await raw('/v1/reports/groups/phoenix?format=csv');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/csv; charset=utf-8/);
    expect(response.headers.get('content-disposition')).toBe(
      'attachment; filename="group-report-phoenix.csv"',
    );
    expect(parseCsv(response.text)[0]).toEqual([...CSV_COLUMNS]);
    const rows = csvRecords(response.text);
    expect(rows).toHaveLength(3);
    const row = (id: string) => rows.find((candidate) => candidate.user_id === id)!;
    expect(row(alice.id)).toMatchObject({
      group_name: 'phoenix',
      group_display_name: DISPLAY,
      username: alice.username,
      membership: 'removed_at_end',
      last_session_revoked: 'true',
      sessions_total: '2',
      sessions_revoked: '2',
      active_session_ids: '',
      revocation_id: ended.revocation.id,
      revocation_seq: String(ended.revocation.seq),
      revoked_at: ended.revocation.effective_at,
      revocation_reason: 'contractor_end',
      revoked_by: 'admin:bootstrap',
    });
    expect(row(alice.id).audit_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(row(mallory.id).display_name).toBe(`'${HOSTILE}`);
    // No cell anywhere starts a formula.
    for (const record of rows) {
      for (const value of Object.values(record)) expect(value).not.toMatch(/^[=+\-@]/);
    }
  });

  it('HTML: a self-contained printable page, escaped, with no script allowed to run', async () => {
    const response = await raw('/v1/reports/groups/phoenix?format=html');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html; charset=utf-8/);
    expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(response.text).toContain('&lt;b&gt;Project &quot;Phoenix&quot;&lt;/b&gt; &amp; co');
    expect(response.text).not.toContain('<b>Project');
    expect(response.text).not.toMatch(/<script/i);
    expect(response.text).toContain(alice.username);
    expect(response.text).toContain(ended.revocation.id);
    expect(response.text).toContain('@media print');
  });

  it('refuses an unknown format', async () => {
    const response = await t.api('GET', '/v1/reports/groups/phoenix?format=xlsx');
    expect(response.status).toBe(400);
    expect(response.body.code).toBe('ERR_VALIDATION');
  });
});
