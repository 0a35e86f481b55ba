import { createHash } from 'node:crypto';
import { isCanaryActivity } from '../../domain/canary/canary-records.js';
import { CutoffError } from '../../domain/errors.js';
import type { UserId } from '../../domain/ids.js';
import type { AuditEventRecord, SessionRecord, UserRecord } from '../../domain/records.js';
import type { UseCaseContext } from '../context.js';

export interface InvestigationQuery {
  readonly userId: UserId;
  /** Audit events from this time on (default: 30 days back). */
  readonly since?: Date | undefined;
  /** The most recent this many related audit events. */
  readonly eventLimit: number;
  /** The most recently revoked this many sessions. */
  readonly sessionLimit: number;
  /** Include the canary's own revocations (hidden by default: they are tests, not incidents). */
  readonly includeCanary?: boolean | undefined;
}

export interface RevokedSessionView {
  readonly session: SessionRecord;
  /** From start to revocation. */
  readonly durationSeconds: number;
  /** A short hash of the user agent: the same device (browser build) has the same value. */
  readonly deviceFingerprint: string | null;
}

export interface Investigation {
  readonly user: UserRecord;
  readonly since: Date;
  readonly revokedSessions: readonly RevokedSessionView[];
  readonly activeSessions: number;
  readonly distinctIps: readonly string[];
  readonly events: readonly AuditEventRecord[];
}

const DEFAULT_WINDOW_MS = 30 * 86_400_000;
const PER_QUERY = 1000;

export const deviceFingerprint = (userAgent: string | null): string | null =>
  userAgent === null ? null : createHash('sha256').update(userAgent).digest('hex').slice(0, 16);

/**
 * What an investigator needs after a compromise: the revoked sessions (where from, which device,
 * when started, last seen, how long they lived) and the audit events around them (revocations,
 * refresh-token reuse, failed logins, `login.mfa_failed` (a right password, a wrong code), the
 * incident itself).
 */
export const investigateUser = async (
  ctx: UseCaseContext,
  query: InvestigationQuery,
): Promise<Investigation> => {
  const { store } = ctx;
  const user = await store.read((r) => r.users.findById(query.userId));
  if (user === undefined) throw new CutoffError('ERR_NOT_FOUND', { message: 'No user with that id.' });
  const now = ctx.clock.now();
  const since = query.since ?? new Date(now.getTime() - DEFAULT_WINDOW_MS);

  const sessions = await store.read((r) => r.sessions.listByUser(user.id));
  const revoked = sessions
    .filter((session) => session.status === 'revoked')
    .sort((a, b) => (b.revokedAt?.getTime() ?? 0) - (a.revokedAt?.getTime() ?? 0))
    .slice(0, query.sessionLimit);

  // Events about the user, and about each listed session (reuse detection targets the session).
  const targets = [`user:${user.id}`, ...revoked.map((session) => `session:${session.id}`)];
  const bySeq = new Map<number, AuditEventRecord>();
  for (const target of targets) {
    let afterSeq = 0;
    for (;;) {
      const page = await store.read((r) => r.audit.list({ target, since, limit: PER_QUERY, afterSeq }));
      for (const event of page) bySeq.set(event.seq, event);
      const last = page.at(-1);
      if (page.length < PER_QUERY || last === undefined) break;
      afterSeq = last.seq;
    }
  }
  const events = [...bySeq.values()]
    .filter((event) => query.includeCanary === true || !isCanaryActivity(event))
    .sort((a, b) => a.seq - b.seq)
    .slice(-query.eventLimit);

  return {
    user,
    since,
    revokedSessions: revoked.map((session) => ({
      session,
      durationSeconds: Math.max(
        0,
        Math.round(
          ((session.revokedAt ?? session.lastSeenAt).getTime() - session.createdAt.getTime()) / 1000,
        ),
      ),
      deviceFingerprint: deviceFingerprint(session.userAgent),
    })),
    activeSessions: sessions.filter(
      (session) =>
        session.status === 'active' && session.idleExpiresAt > now && session.absoluteExpiresAt > now,
    ).length,
    distinctIps: [...new Set(revoked.map((session) => session.ip).filter((ip): ip is string => ip !== null))],
    events,
  };
};
