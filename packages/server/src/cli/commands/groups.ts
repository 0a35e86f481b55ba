import { writeFileSync } from 'node:fs';
import { renderGroupReport, type GroupAccessReport } from '../../domain/reports/group-access-report.js';
import { table } from '../output.js';
import { withProgress } from '../progress.js';
import type { Deps } from './deps.js';

interface Group {
  readonly id: string;
  readonly name: string;
  readonly display_name: string;
  readonly end_at: string | null;
  readonly ended_at: string | null;
  readonly members: number;
  readonly created_at: string;
  readonly updated_at: string;
}
interface EndResult {
  readonly outcome: 'ended' | 'already_ended';
  readonly group: Group;
  readonly revocation: {
    readonly seq: number;
    readonly reason: string;
    readonly sessions_revoked: number;
    readonly refresh_tokens_revoked: number;
  } | null;
  readonly members_removed: readonly { readonly id: string; readonly username: string | null }[];
  readonly audit_seq: number | null;
}

const groupPath = (name: string): string => `/v1/groups/${encodeURIComponent(name)}`;

export const groupsList = async ({ client, out }: Deps): Promise<void> => {
  const groups: Group[] = [];
  await withProgress(out, 'reading groups', async () => {
    let cursor: string | null = null;
    do {
      const query: string = cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`;
      const page: { groups: Group[]; next_cursor: string | null } = await client.request(
        'GET',
        `/v1/groups?limit=200${query}`,
      );
      groups.push(...page.groups);
      cursor = page.next_cursor;
    } while (cursor !== null);
  });
  out.result(groups, () =>
    groups.length === 0
      ? 'no groups'
      : table([
          ['NAME', 'DISPLAY NAME', 'MEMBERS', 'END AT', 'ENDED AT'],
          ...groups.map((group) => [
            group.name,
            group.display_name,
            String(group.members),
            group.end_at ?? '-',
            group.ended_at ?? '-',
          ]),
        ]),
  );
};

export const groupsShow = async ({ client, out }: Deps, name: string): Promise<void> => {
  const group = await client.request<Group>('GET', groupPath(name));
  out.result(group, () =>
    [
      `${group.name} (${group.display_name})`,
      `  members   ${group.members}`,
      `  end at    ${group.end_at ?? '-'}`,
      `  ended at  ${group.ended_at ?? '-'}`,
      `  created   ${group.created_at}`,
    ].join('\n'),
  );
};

/** Creates or updates a group record; `--end-at none` removes the end date. */
export const groupsSet = async (
  { client, out }: Deps,
  name: string,
  options: {
    readonly displayName?: string;
    readonly endAt?: string;
    readonly deactivateMembers?: 'none' | 'exclusive';
  },
): Promise<void> => {
  const body = {
    ...(options.deactivateMembers !== undefined && { deactivate_members: options.deactivateMembers }),
    ...(options.displayName !== undefined && { display_name: options.displayName }),
    ...(options.endAt !== undefined && { end_at: options.endAt === 'none' ? null : options.endAt }),
  };
  const group = await client.request<Group>('PUT', groupPath(name), body);
  out.result(
    group,
    () => `group ${group.name}: end date ${group.end_at ?? 'none'}, ${group.members} members`,
  );
};

/**
 * "End Project": ends the group now, then (with --report) writes the access report for the
 * closure file, so the evidence is taken the moment the group ended.
 */
export const groupsEnd = async (
  { client, out }: Deps,
  name: string,
  options: {
    readonly note?: string;
    readonly deactivateMembers?: 'none' | 'exclusive';
    readonly report?: string;
    readonly format: 'csv' | 'json' | 'html';
  },
): Promise<void> => {
  const result = await withProgress(out, `ending group ${name}`, () =>
    client.request<EndResult>('POST', `${groupPath(name)}/end`, {
      ...(options.note !== undefined && { note: options.note }),
      ...(options.deactivateMembers !== undefined && { deactivate_members: options.deactivateMembers }),
    }),
  );
  let reportFile: string | null = null;
  if (options.report !== undefined) {
    const report = await withProgress(out, 'writing the access report', () =>
      client.request<GroupAccessReport>('GET', `/v1/reports/groups/${encodeURIComponent(name)}?format=json`),
    );
    writeFileSync(options.report, renderGroupReport(report, options.format).body, { mode: 0o600 });
    reportFile = options.report;
  }
  out.result({ ...result, report_file: reportFile }, () => {
    const head =
      result.outcome === 'already_ended' || result.revocation === null
        ? `group ${name} had already ended (${result.group.ended_at ?? ''}); nothing changed`
        : `ended group ${name}: ${result.members_removed.length} members removed, ` +
          `${result.revocation.sessions_revoked} sessions and ${result.revocation.refresh_tokens_revoked} refresh tokens revoked ` +
          `(reason ${result.revocation.reason}, seq ${result.revocation.seq}, audit seq ${result.audit_seq ?? '-'})`;
    return reportFile === null ? head : `${head}\naccess report (${options.format}) written to ${reportFile}`;
  });
};
