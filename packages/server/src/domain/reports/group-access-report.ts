import { csvDocument, type CsvValue } from './csv.js';
import { escapeHtml } from './html.js';

/**
 * The group access report: who had access through a group, their last activity, and the proof
 * that their access was cut (revocation and hash-chained audit event). Built from the store by
 * `buildGroupAccessReport`; this file only formats it (JSON, CSV, HTML), without I/O.
 */

export const REPORT_FORMATS = ['json', 'csv', 'html'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export interface ReportActor {
  readonly type: string;
  readonly id: string;
}

/** One revocation that covered a member, with the audit event that records it. */
export interface RevocationProof {
  /** `group.revoked` or `user.revoked`. */
  readonly action: string;
  readonly reason: string | null;
  readonly actor: ReportActor;
  readonly revocation_id: string | null;
  /** The feed seq of the revocation entry. */
  readonly revocation_seq: number | null;
  /** When the revocation took effect (ISO 8601). */
  readonly effective_at: string;
  readonly audit_seq: number;
  readonly audit_hash: string;
}

export interface ReportSession {
  readonly id: string;
  readonly status: 'active' | 'revoked' | 'ended' | 'expired';
  readonly revoked: boolean;
  readonly created_at: string;
  readonly last_seen_at: string;
  readonly ip: string | null;
  readonly user_agent: string | null;
  readonly client_id: string;
  readonly revoked_at: string | null;
  readonly revoked_reason: string | null;
}

/** What the group's end did to a member's account (recorded in the `group.ended` event). */
export interface ReportAccountAtEnd {
  /**
   * `deactivated`: in no other group, so deactivated (`deactivate_members: exclusive`);
   * `kept_active`: in another group (`other_groups`), so kept active; `already_inactive`;
   * `unchanged`: the end deactivated nobody (`deactivate_members: none`).
   */
  readonly outcome: 'deactivated' | 'kept_active' | 'already_inactive' | 'unchanged';
  /** The member's other groups when the group ended: why a `kept_active` member was kept. */
  readonly other_groups: readonly string[];
}

export interface ReportMember {
  readonly user_id: string;
  /** Null when the user was deleted and no audit event recorded the name. */
  readonly username: string | null;
  readonly email: string | null;
  readonly display_name: string | null;
  /** `current`: still in the group; `removed_at_end`: removed when the group ended. */
  readonly membership: 'current' | 'removed_at_end';
  readonly user_exists: boolean;
  /** Whether the account can log in now; null when the user was deleted. */
  readonly account_active: boolean | null;
  /** Null when the group has not ended or its end recorded no account outcome (before 0007). */
  readonly account_at_end: ReportAccountAtEnd | null;
  /** The session with the latest activity, whatever its status. */
  readonly last_active_session: ReportSession | null;
  /** Most recent activity first. */
  readonly sessions: readonly ReportSession[];
  /** Oldest first. */
  readonly revocations: readonly RevocationProof[];
}

export interface GroupAccessReport {
  readonly report: 'group_access';
  readonly generated_at: string;
  readonly group: {
    readonly id: string | null;
    readonly name: string;
    readonly display_name: string | null;
    readonly end_at: string | null;
    readonly ended_at: string | null;
    /** The `group.ended` audit event, when the group has ended. */
    readonly ended_by: ReportActor | null;
    readonly ended_audit_seq: number | null;
    readonly ended_audit_hash: string | null;
    /** What the end did (or will do) to members' accounts: the end event's, else the record's. */
    readonly deactivate_members: 'none' | 'exclusive' | null;
  };
  /** Every revocation of the group itself (including ones that named no members), oldest first. */
  readonly group_revocations: readonly RevocationProof[];
  readonly members: readonly ReportMember[];
}

/** The member's latest proof: what the CSV row and the HTML summary show. */
const latestProof = (member: ReportMember): RevocationProof | undefined => member.revocations.at(-1);

const actorText = (actor: ReportActor | null | undefined): string | null =>
  actor === null || actor === undefined ? null : `${actor.type}:${actor.id}`;

export const CSV_COLUMNS = [
  'group_name',
  'group_display_name',
  'group_end_at',
  'group_ended_at',
  'user_id',
  'username',
  'display_name',
  'email',
  'membership',
  'account_active',
  'account_at_end',
  'account_other_groups',
  'last_session_id',
  'last_seen_at',
  'last_ip',
  'last_client_id',
  'last_user_agent',
  'last_session_revoked',
  'sessions_total',
  'sessions_revoked',
  'active_session_ids',
  'revocation_id',
  'revocation_seq',
  'revoked_at',
  'revocation_reason',
  'revoked_by',
  'audit_seq',
  'audit_hash',
  'all_revocation_audit_seqs',
] as const;

/** One row per member (RFC 4180, header row, formula-safe cells). */
export const groupReportCsv = (report: GroupAccessReport): string => {
  const { group } = report;
  const rows = report.members.map((member): CsvValue[] => {
    const last = member.last_active_session;
    const proof = latestProof(member);
    return [
      group.name,
      group.display_name,
      group.end_at,
      group.ended_at,
      member.user_id,
      member.username,
      member.display_name,
      member.email,
      member.membership,
      member.account_active,
      member.account_at_end?.outcome ?? null,
      member.account_at_end?.other_groups.join(';') ?? null,
      last?.id ?? null,
      last?.last_seen_at ?? null,
      last?.ip ?? null,
      last?.client_id ?? null,
      last?.user_agent ?? null,
      last === null ? null : last.revoked,
      member.sessions.length,
      member.sessions.filter((session) => session.revoked).length,
      member.sessions
        .filter((session) => session.status === 'active')
        .map((session) => session.id)
        .join(';'),
      proof?.revocation_id ?? null,
      proof?.revocation_seq ?? null,
      proof?.effective_at ?? null,
      proof?.reason ?? null,
      actorText(proof?.actor),
      proof?.audit_seq ?? null,
      proof?.audit_hash ?? null,
      member.revocations.map((item) => item.audit_seq).join(';'),
    ];
  });
  return csvDocument(CSV_COLUMNS, rows);
};

const STYLE = `
  body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #111; margin: 2rem; }
  h1 { font-size: 1.4rem; margin: 0 0 .25rem; }
  h2 { font-size: 1.1rem; margin: 2rem 0 .5rem; border-bottom: 1px solid #999; }
  h3 { font-size: 1rem; margin: 1.25rem 0 .25rem; }
  table { border-collapse: collapse; width: 100%; margin: .25rem 0 1rem; }
  th, td { border: 1px solid #bbb; padding: .25rem .4rem; text-align: left; vertical-align: top; }
  th { background: #eee; }
  dl { display: grid; grid-template-columns: max-content auto; gap: .15rem 1rem; }
  dt { font-weight: 600; }
  dd { margin: 0; }
  code, .hash { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 12px; word-break: break-all; }
  .revoked { color: #060; font-weight: 600; }
  .active { color: #a00; font-weight: 600; }
  .muted { color: #555; }
  .member { page-break-inside: avoid; break-inside: avoid; }
  @media print { body { margin: 1cm; } h2 { page-break-after: avoid; } }
`;

const cell = (value: string | number | boolean | null | undefined): string => `<td>${escapeHtml(value)}</td>`;
const codeCell = (value: string | number | null | undefined): string =>
  `<td><code>${escapeHtml(value)}</code></td>`;

const proofTable = (proofs: readonly RevocationProof[]): string => {
  if (proofs.length === 0) return '<p class="muted">No revocation recorded.</p>';
  const rows = proofs
    .map(
      (proof) =>
        `<tr>${cell(proof.action)}${cell(proof.reason)}${cell(actorText(proof.actor))}${codeCell(
          proof.revocation_id,
        )}${cell(proof.revocation_seq)}${cell(proof.effective_at)}${cell(proof.audit_seq)}<td class="hash">${escapeHtml(
          proof.audit_hash,
        )}</td></tr>`,
    )
    .join('\n');
  return `<table>
<thead><tr><th>Action</th><th>Reason</th><th>Actor</th><th>Revocation</th><th>Feed seq</th><th>Effective at</th><th>Audit seq</th><th>Audit hash</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>`;
};

const sessionTable = (sessions: readonly ReportSession[]): string => {
  if (sessions.length === 0) return '<p class="muted">No session.</p>';
  const rows = sessions
    .map(
      (session) =>
        `<tr>${codeCell(session.id)}<td class="${session.status === 'active' ? 'active' : session.revoked ? 'revoked' : ''}">${escapeHtml(
          session.status,
        )}</td>${cell(session.revoked ? 'yes' : 'no')}${cell(session.created_at)}${cell(session.last_seen_at)}${cell(
          session.ip,
        )}${cell(session.client_id)}${cell(session.user_agent)}${cell(session.revoked_at)}${cell(
          session.revoked_reason,
        )}</tr>`,
    )
    .join('\n');
  return `<table>
<thead><tr><th>Session</th><th>Status</th><th>Revoked</th><th>Started</th><th>Last seen</th><th>IP</th><th>Client</th><th>User agent</th><th>Revoked at</th><th>Reason</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>`;
};

/** The account line of a member, in words: deactivated, or kept active and why. */
const accountText = (member: ReportMember): string => {
  const now = member.account_active === null ? 'deleted' : member.account_active ? 'active' : 'deactivated';
  const end = member.account_at_end;
  if (end === null) return `now ${now}`;
  switch (end.outcome) {
    case 'deactivated':
      return `deactivated when the group ended (in no other group); now ${now}`;
    case 'kept_active':
      return `kept active when the group ended: also in ${end.other_groups.join(', ')}; now ${now}`;
    case 'already_inactive':
      return `already inactive when the group ended; now ${now}`;
    case 'unchanged':
      return `left as it was when the group ended (deactivate_members: none); now ${now}`;
  }
};

const memberSection = (member: ReportMember): string => {
  const last = member.last_active_session;
  const title = member.username ?? member.user_id;
  return `<section class="member">
<h3>${escapeHtml(title)}</h3>
<dl>
<dt>User id</dt><dd><code>${escapeHtml(member.user_id)}</code>${member.user_exists ? '' : ' <span class="muted">(deleted)</span>'}</dd>
<dt>Display name</dt><dd>${escapeHtml(member.display_name)}</dd>
<dt>Email</dt><dd>${escapeHtml(member.email)}</dd>
<dt>Membership</dt><dd>${member.membership === 'current' ? 'current member' : 'removed when the group ended'}</dd>
<dt>Account</dt><dd>${escapeHtml(accountText(member))}</dd>
<dt>Last active session</dt><dd>${
    last === null
      ? '<span class="muted">none</span>'
      : `<code>${escapeHtml(last.id)}</code>, last seen ${escapeHtml(last.last_seen_at)} from ${escapeHtml(
          last.ip ?? 'unknown address',
        )} (client ${escapeHtml(last.client_id)}), ${last.revoked ? '<span class="revoked">revoked</span>' : `<span class="${last.status === 'active' ? 'active' : ''}">${escapeHtml(last.status)}</span>`}`
  }</dd>
</dl>
<h4>Proof of revocation</h4>
${proofTable(member.revocations)}
<h4>Sessions</h4>
${sessionTable(member.sessions)}
</section>`;
};

const summaryTable = (members: readonly ReportMember[]): string => {
  if (members.length === 0) return '<p class="muted">The group has no members on record.</p>';
  const rows = members
    .map((member) => {
      const proof = latestProof(member);
      const active = member.sessions.filter((session) => session.status === 'active').length;
      return `<tr>${cell(member.username)}${codeCell(member.user_id)}${cell(member.email)}${cell(
        member.account_at_end?.outcome ?? (member.account_active === false ? 'inactive' : null),
      )}${cell(member.last_active_session?.last_seen_at)}<td class="${active > 0 ? 'active' : 'revoked'}">${active}</td>${cell(proof?.effective_at)}${cell(
        proof?.audit_seq,
      )}<td class="hash">${escapeHtml(proof?.audit_hash)}</td></tr>`;
    })
    .join('\n');
  return `<table>
<thead><tr><th>Username</th><th>User id</th><th>Email</th><th>Account</th><th>Last seen</th><th>Active sessions</th><th>Revoked at</th><th>Audit seq</th><th>Audit hash</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>`;
};

/** A self-contained, printable page (inline style, no script, every value escaped). */
export const groupReportHtml = (report: GroupAccessReport): string => {
  const { group } = report;
  const title = `Group access report: ${group.name}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="Cutoff">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>${escapeHtml(title)}</h1>
<p class="muted">Generated ${escapeHtml(report.generated_at)} by Cutoff. Audit hashes can be checked with <code>cutoff audit verify</code>.</p>
</header>
<h2>Group</h2>
<dl>
<dt>Name</dt><dd><code>${escapeHtml(group.name)}</code></dd>
<dt>Display name</dt><dd>${escapeHtml(group.display_name)}</dd>
<dt>Group id</dt><dd><code>${escapeHtml(group.id)}</code></dd>
<dt>End date</dt><dd>${escapeHtml(group.end_at ?? 'none')}</dd>
<dt>Ended at</dt><dd>${escapeHtml(group.ended_at ?? 'not ended')}</dd>
<dt>Ended by</dt><dd>${escapeHtml(actorText(group.ended_by))}</dd>
<dt>End audit event</dt><dd>${
    group.ended_audit_seq === null
      ? ''
      : `seq ${escapeHtml(group.ended_audit_seq)}, hash <span class="hash">${escapeHtml(group.ended_audit_hash)}</span>`
  }</dd>
<dt>Members' accounts at the end</dt><dd>${escapeHtml(
    group.deactivate_members === 'exclusive'
      ? 'deactivate members who belong to no other group (exclusive)'
      : group.deactivate_members === 'none'
        ? 'left as they are (none)'
        : null,
  )}</dd>
<dt>Members</dt><dd>${report.members.length}</dd>
</dl>
<h2>Revocations of the group</h2>
${proofTable(report.group_revocations)}
<h2>Members</h2>
${summaryTable(report.members)}
${report.members.map(memberSection).join('\n')}
</body>
</html>
`;
};

/** The report in a format, with its media type. */
export const renderGroupReport = (
  report: GroupAccessReport,
  format: ReportFormat,
): { readonly contentType: string; readonly body: string } => {
  switch (format) {
    case 'json':
      return { contentType: 'application/json; charset=utf-8', body: `${JSON.stringify(report, null, 2)}\n` };
    case 'csv':
      return { contentType: 'text/csv; charset=utf-8; header=present', body: groupReportCsv(report) };
    case 'html':
      return { contentType: 'text/html; charset=utf-8', body: groupReportHtml(report) };
  }
};
