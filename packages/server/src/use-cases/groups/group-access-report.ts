import { isCanaryActivity } from '../../domain/canary/canary-records.js';
import { CANARY_USERNAME } from '../canary/canary-account.js';
import { CutoffError } from '../../domain/errors.js';
import { revocationIdFromStore, userIdFromStore, type UserId } from '../../domain/ids.js';
import type { AuditEventRecord, RevocationRecord, SessionRecord } from '../../domain/records.js';
import type {
  GroupAccessReport,
  ReportAccountAtEnd,
  ReportMember,
  ReportSession,
  RevocationProof,
} from '../../domain/reports/group-access-report.js';
import type { AuditQuery } from '../../ports/storage/audit.js';
import type { Store } from '../../ports/storage/store.js';
import type { UseCaseContext } from '../context.js';

const PAGE = 1000;

/** Every audit event matching the query, in seq order. */
const allEvents = async (store: Store, query: Omit<AuditQuery, 'limit' | 'afterSeq'>) => {
  const events: AuditEventRecord[] = [];
  for (;;) {
    const page = await store.read((r) =>
      r.audit.list({ ...query, limit: PAGE, afterSeq: events.at(-1)?.seq ?? 0 }),
    );
    events.push(...page);
    if (page.length < PAGE) return events;
  }
};

const stringOf = (value: unknown): string | null => (typeof value === 'string' ? value : null);

const ACCOUNT_OUTCOMES: ReadonlySet<unknown> = new Set<ReportAccountAtEnd['outcome']>([
  'deactivated',
  'kept_active',
  'already_inactive',
  'unchanged',
]);

/** The account outcome a `group.ended` event records for a member (none before 0007). */
const accountAtEnd = (event: AuditEventRecord | undefined, id: string): ReportAccountAtEnd | null => {
  const members = event?.details?.['members'];
  if (!Array.isArray(members)) return null;
  for (const member of members as unknown[]) {
    if (typeof member !== 'object' || member === null) continue;
    const record = member as Record<string, unknown>;
    if (record['id'] !== id || !ACCOUNT_OUTCOMES.has(record['account'])) continue;
    const others = record['other_groups'];
    return {
      outcome: record['account'] as ReportAccountAtEnd['outcome'],
      other_groups: Array.isArray(others)
        ? others.filter((name): name is string => typeof name === 'string')
        : [],
    };
  }
  return null;
};

const deactivationOf = (value: unknown): 'none' | 'exclusive' | null =>
  value === 'none' || value === 'exclusive' ? value : null;
const numberOf = (value: unknown): number | null => (typeof value === 'number' ? value : null);

/** Members an audit event lists: `group.ended` has `{id, username}`, `group.revoked` bare ids. */
const listedMembers = (
  event: AuditEventRecord,
): { readonly id: string; readonly username: string | null }[] => {
  const members = event.details?.['members'];
  if (!Array.isArray(members)) return [];
  return members.flatMap((member: unknown) => {
    if (typeof member === 'string') return [{ id: member, username: null }];
    if (typeof member === 'object' && member !== null && 'id' in member && typeof member.id === 'string') {
      return [{ id: member.id, username: 'username' in member ? stringOf(member.username) : null }];
    }
    return [];
  });
};

const presentSession = (session: SessionRecord, now: Date): ReportSession => {
  const expired =
    session.status === 'active' && (session.idleExpiresAt <= now || session.absoluteExpiresAt <= now);
  return {
    id: session.id,
    status: expired ? 'expired' : session.status,
    revoked: session.status === 'revoked',
    created_at: session.createdAt.toISOString(),
    last_seen_at: session.lastSeenAt.toISOString(),
    ip: session.ip,
    user_agent: session.userAgent,
    client_id: session.clientId,
    revoked_at: session.revokedAt?.toISOString() ?? null,
    revoked_reason: session.revokedReason,
  };
};

/**
 * Gathers the group access report: the group, each member (current ones and those removed when
 * it ended, from the `group.ended` / `group.revoked` audit events), their sessions and the
 * revocations that covered them, each with its audit seq and hash.
 */
export const buildGroupAccessReport = async (
  ctx: Pick<UseCaseContext, 'store' | 'clock'>,
  name: string,
): Promise<GroupAccessReport> => {
  const { store } = ctx;
  const now = ctx.clock.now();
  const group = await store.read((r) => r.groups.findByName(name));
  const currentIds = await store.read((r) => r.groups.memberIds(name));
  // The canary's own group revocations are tests, not evidence about the group's members.
  const groupEvents = (await allEvents(store, { target: `group:${name}` })).filter(
    (event) => !isCanaryActivity(event),
  );
  if (group === undefined && currentIds.length === 0 && groupEvents.length === 0) {
    throw new CutoffError('ERR_NOT_FOUND', { message: 'No group with that name.' });
  }
  const ended = groupEvents.filter((event) => event.action === 'group.ended').at(-1);
  const groupRevocations = groupEvents.filter((event) => event.action === 'group.revoked');

  const revocations = new Map<string, RevocationRecord | undefined>();
  const proofOf = async (event: AuditEventRecord): Promise<RevocationProof> => {
    const revocationId = stringOf(event.details?.['revocation_id']);
    if (revocationId !== null && !revocations.has(revocationId)) {
      revocations.set(
        revocationId,
        await store.read((r) => r.revocations.findById(revocationIdFromStore(revocationId))),
      );
    }
    const entry = revocationId === null ? undefined : revocations.get(revocationId);
    return {
      action: event.action,
      reason: event.reason,
      actor: { type: event.actor.type, id: event.actor.id },
      revocation_id: revocationId,
      revocation_seq: entry?.seq ?? numberOf(event.details?.['seq']),
      effective_at: (entry?.createdAt ?? event.ts).toISOString(),
      audit_seq: event.seq,
      audit_hash: event.hash,
    };
  };

  // Current members, then the ones the audit trail shows were removed when the group ended.
  const usernames = new Map<string, string | null>();
  // Member ids in audit details were written by Cutoff from user records: trusted as stored.
  const current = new Set<string>(currentIds);
  const removed = new Set<UserId>();
  for (const event of [...groupRevocations, ...(ended === undefined ? [] : [ended])]) {
    for (const member of listedMembers(event)) {
      if (member.username !== null || !usernames.has(member.id)) usernames.set(member.id, member.username);
      if (!current.has(member.id)) removed.add(userIdFromStore(member.id));
    }
  }

  const members: ReportMember[] = [];
  for (const id of [...currentIds, ...[...removed].sort()]) {
    const user = await store.read((r) => r.users.findById(id));
    if (user?.username === CANARY_USERNAME) continue;
    const sessions = (await store.read((r) => r.sessions.listByUser(id)))
      .map((session) => presentSession(session, now))
      .sort((a, b) => b.last_seen_at.localeCompare(a.last_seen_at) || a.id.localeCompare(b.id));
    const covering = [
      ...groupRevocations.filter((event) => listedMembers(event).some((member) => member.id === id)),
      ...(await allEvents(store, { action: 'user.revoked', target: `user:${id}` })).filter(
        (event) => !isCanaryActivity(event),
      ),
    ].sort((a, b) => a.seq - b.seq);
    const proofs: RevocationProof[] = [];
    for (const event of covering) proofs.push(await proofOf(event));
    members.push({
      user_id: id,
      username: user?.username ?? usernames.get(id) ?? null,
      email: user?.email ?? null,
      display_name: user?.displayName ?? null,
      membership: current.has(id) ? 'current' : 'removed_at_end',
      user_exists: user !== undefined,
      account_active: user?.active ?? null,
      account_at_end: accountAtEnd(ended, id),
      last_active_session: sessions[0] ?? null,
      sessions,
      revocations: proofs,
    });
  }

  const groupProofs: RevocationProof[] = [];
  for (const event of groupRevocations) groupProofs.push(await proofOf(event));
  return {
    report: 'group_access',
    generated_at: now.toISOString(),
    group: {
      id: group?.id ?? null,
      name,
      display_name: group?.displayName ?? null,
      end_at: group?.endAt?.toISOString() ?? null,
      ended_at: group?.endedAt?.toISOString() ?? null,
      ended_by: ended === undefined ? null : { type: ended.actor.type, id: ended.actor.id },
      ended_audit_seq: ended?.seq ?? null,
      ended_audit_hash: ended?.hash ?? null,
      deactivate_members:
        ended === undefined
          ? (group?.deactivateMembers ?? null)
          : deactivationOf(ended.details?.['deactivate_members']),
    },
    group_revocations: groupProofs,
    members,
  };
};
