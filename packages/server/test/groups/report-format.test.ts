import { describe, expect, it } from 'vitest';
import { csvCell, csvDocument } from '../../src/domain/reports/csv.js';
import {
  CSV_COLUMNS,
  groupReportCsv,
  groupReportHtml,
  renderGroupReport,
  type GroupAccessReport,
  type ReportMember,
} from '../../src/domain/reports/group-access-report.js';
import { escapeHtml } from '../../src/domain/reports/html.js';
import { csvRecords, parseCsv } from './csv-parse.js';

const HOSTILE = `=cmd|' /C calc'!A0`;

const proof = {
  action: 'group.revoked',
  reason: 'contractor_end',
  actor: { type: 'system', id: 'scheduler' },
  revocation_id: 'rev_1',
  revocation_seq: 7,
  effective_at: '2026-03-01T00:00:00.000Z',
  audit_seq: 42,
  audit_hash: 'a'.repeat(64),
};

const member = (overrides: Partial<ReportMember>): ReportMember => ({
  user_id: 'usr_1',
  username: 'alice',
  email: 'alice@example.com',
  display_name: null,
  membership: 'removed_at_end',
  user_exists: true,
  account_active: false,
  account_at_end: { outcome: 'deactivated', other_groups: [] },
  last_active_session: null,
  sessions: [],
  revocations: [],
  ...overrides,
});

const session = {
  id: 'ses_1',
  status: 'revoked' as const,
  revoked: true,
  created_at: '2026-02-28T09:00:00.000Z',
  last_seen_at: '2026-02-28T17:00:00.000Z',
  ip: '10.0.0.7',
  user_agent: 'Mozilla/5.0 "quoted", with comma',
  client_id: 'cutoff',
  revoked_at: '2026-03-01T00:00:00.000Z',
  revoked_reason: 'contractor_end',
};

const report: GroupAccessReport = {
  report: 'group_access',
  generated_at: '2026-03-02T08:00:00.000Z',
  group: {
    id: 'grp_1',
    name: 'phoenix',
    display_name: '<script>alert(1)</script> & "Phoenix"',
    end_at: '2026-03-01T00:00:00.000Z',
    ended_at: '2026-03-01T00:00:00.120Z',
    ended_by: { type: 'system', id: 'scheduler' },
    ended_audit_seq: 43,
    ended_audit_hash: 'b'.repeat(64),
    deactivate_members: 'exclusive',
  },
  group_revocations: [proof],
  members: [
    member({
      last_active_session: session,
      sessions: [session, { ...session, id: 'ses_0', status: 'ended', revoked: false, revoked_at: null }],
      revocations: [{ ...proof, action: 'user.revoked', audit_seq: 12, audit_hash: 'c'.repeat(64) }, proof],
    }),
    member({
      user_id: 'usr_2',
      username: 'mallory',
      display_name: HOSTILE,
      email: null,
      membership: 'current',
      account_active: true,
      account_at_end: { outcome: 'kept_active', other_groups: ['staff', 'ops'] },
      sessions: [{ ...session, id: 'ses_9', status: 'active', revoked: false, revoked_at: null }],
    }),
  ],
};

describe('CSV cells (RFC 4180, formula-safe)', () => {
  it('quotes only what needs quoting and doubles quotes', () => {
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\r\nlines')).toBe('"two\r\nlines"');
    expect(csvCell(null)).toBe('');
    expect(csvCell(42)).toBe('42');
    expect(csvCell(true)).toBe('true');
  });

  it('neutralises every cell a spreadsheet would evaluate as a formula', () => {
    for (const value of ['=1+1', '+1', '-1', '@SUM(A1)', '\t=1', '\r=1', HOSTILE]) {
      const cell = csvCell(value);
      const [[parsed]] = parseCsv(`${cell}\r\n`) as [[string]];
      expect(parsed, value).toBe(`'${value}`);
    }
    expect(csvCell(HOSTILE)).toBe(`'${HOSTILE}`);
    // Numbers are ours, never a formula.
    expect(csvCell(-1)).toBe('-1');
  });

  it('writes a header row and CRLF records', () => {
    expect(csvDocument(['a', 'b'], [['1', null]])).toBe('a,b\r\n1,\r\n');
  });
});

describe('group report formats', () => {
  it('CSV: one row per member that parses back to the report data', () => {
    const text = groupReportCsv(report);
    const [header] = parseCsv(text);
    expect(header).toEqual([...CSV_COLUMNS]);
    const rows = csvRecords(text);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({
      group_name: 'phoenix',
      group_display_name: '<script>alert(1)</script> & "Phoenix"',
      group_ended_at: '2026-03-01T00:00:00.120Z',
      user_id: 'usr_1',
      username: 'alice',
      membership: 'removed_at_end',
      account_active: 'false',
      account_at_end: 'deactivated',
      account_other_groups: '',
      last_session_id: 'ses_1',
      last_seen_at: '2026-02-28T17:00:00.000Z',
      last_ip: '10.0.0.7',
      last_user_agent: 'Mozilla/5.0 "quoted", with comma',
      last_session_revoked: 'true',
      sessions_total: '2',
      sessions_revoked: '1',
      active_session_ids: '',
      revocation_id: 'rev_1',
      revocation_seq: '7',
      revoked_at: '2026-03-01T00:00:00.000Z',
      revocation_reason: 'contractor_end',
      revoked_by: 'system:scheduler',
      audit_seq: '42',
      audit_hash: 'a'.repeat(64),
      all_revocation_audit_seqs: '12;42',
    });
    expect(rows[1]).toMatchObject({
      display_name: `'${HOSTILE}`,
      email: '',
      account_active: 'true',
      account_at_end: 'kept_active',
      account_other_groups: 'staff;ops',
      last_session_id: '',
      active_session_ids: 'ses_9',
      audit_seq: '',
    });
  });

  it('HTML: escaped, script-free, self-contained and printable', () => {
    const html = groupReportHtml(report);
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/\son[a-z]+=/i);
    expect(html).not.toMatch(/(src|href)=/i);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;Phoenix&quot;');
    expect(html).toContain(escapeHtml(HOSTILE));
    expect(html).toContain('Mozilla/5.0 &quot;quoted&quot;, with comma');
    expect(html).toContain('a'.repeat(64));
    expect(html).toContain('@media print');
    expect(html).toContain('removed when the group ended');
    expect(html).toContain('deactivated when the group ended (in no other group); now deactivated');
    expect(html).toContain('kept active when the group ended: also in staff, ops; now active');
    expect(html).toContain('deactivate members who belong to no other group (exclusive)');
  });

  it('JSON: the same data, structured, with media types per format', () => {
    const json = renderGroupReport(report, 'json');
    expect(json.contentType).toMatch(/^application\/json/);
    expect(JSON.parse(json.body)).toEqual(report);
    expect(renderGroupReport(report, 'csv').contentType).toMatch(/^text\/csv/);
    expect(renderGroupReport(report, 'html').contentType).toMatch(/^text\/html/);
  });

  it('escapes all five HTML-significant characters', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe(
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;',
    );
    expect(escapeHtml(null)).toBe('');
  });
});
