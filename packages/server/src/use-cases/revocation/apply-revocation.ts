import { CutoffError } from '../../domain/errors.js';
import { newRevocationId } from '../new-ids.js';
import {
  revocationAction,
  revocationTiming,
  sessionSelectorFor,
  type RevocationReason,
  type RevocationTarget,
} from '../../domain/revocation-plan.js';
import type { RevocationRecord } from '../../domain/records.js';
import { toNumericDate } from '../../ports/clock.js';
import type { StoreTx } from '../../ports/storage/store.js';
import type { RequestContext, UseCaseContext } from '../context.js';
import { auditEvent, type AuditEventInput } from '../audit/audit-event.js';
import { enqueueBackchannelLogouts } from '../oidc/backchannel-logout.js';
import { forgetConsentGrants } from '../oidc/consent-grants.js';

export interface RevocationCounts {
  readonly sessionsRevoked: number;
  readonly refreshTokensRevoked: number;
}

export interface AppliedRevocation extends RevocationCounts {
  readonly entry: RevocationRecord;
}

export interface RevocationRequest {
  readonly target: RevocationTarget;
  readonly reason: RevocationReason;
  readonly note?: string | undefined;
  /** Extra non-secret audit context (e.g. the event that triggered it). */
  readonly details?: Readonly<Record<string, unknown>>;
  /**
   * An audit event about what set the revocation off (a refresh-token reuse), appended just
   * before the revocation's own event. Pass it here rather than appending it first: an append
   * takes the append lock, which must come after the row locks (see `applyRevocation`).
   */
  readonly triggeredBy?: AuditEventInput;
}

/** 404 for targets that name one thing that must exist; groups, roles and `all` may be empty. */
export const assertTargetExists = async (tx: StoreTx, target: RevocationTarget): Promise<void> => {
  const missing = async (): Promise<boolean> => {
    switch (target.type) {
      case 'user':
        return (await tx.users.findById(target.id as never)) === undefined;
      case 'session':
        return (await tx.sessions.findById(target.id as never)) === undefined;
      case 'client':
        return (await tx.clients.findById(target.id as never)) === undefined;
      case 'token':
      case 'group':
      case 'role':
      case 'all':
        return false;
    }
  };
  if (await missing()) {
    throw new CutoffError('ERR_NOT_FOUND', { message: `No ${target.type} with that id.` });
  }
};

/** What a revocation would cut, without changing anything. */
export const countRevocation = async (tx: StoreTx, target: RevocationTarget): Promise<RevocationCounts> => {
  const selector = sessionSelectorFor(target);
  if (selector === undefined) return { sessionsRevoked: 0, refreshTokensRevoked: 0 };
  return {
    sessionsRevoked: await tx.sessions.countActive(selector),
    refreshTokensRevoked: await tx.refreshTokens.countActiveForSessions(selector),
  };
};

/**
 * Inside the caller's transaction: marks the sessions, kills their refresh tokens, appends the
 * feed entry and the audit event. Either all of it commits or none of it does.
 *
 * Lock order, the same in every transaction that takes these locks: refresh tokens, sessions,
 * then the append lock (one advisory lock on PostgreSQL, held to commit by the first feed or
 * audit append). A caller must not append to the audit trail or the feed before calling this:
 * it passes its event as `triggeredBy` (updateUser, the SCIM user and group changes,
 * receiveWebhook, the refresh-token and authorization-code reuses) or appends it after. In the
 * other order it deadlocks with a revocation of the same sessions (retried, but after 1 s).
 * A caller that updates the user's row does so before calling this (updateUser, the incident
 * response), not after.
 */
export const applyRevocation = async (
  ctx: Pick<UseCaseContext, 'clock' | 'config'>,
  tx: StoreTx,
  request: RevocationRequest,
  requestContext: RequestContext,
): Promise<AppliedRevocation> => {
  const [applied] = await applyRevocations(ctx, tx, [request], requestContext);
  return applied!;
};

/**
 * Several revocations in one transaction (the members removed from a group): every one's row
 * locks first, then the appends, so none of them takes a row lock while holding the append lock.
 * Each request's `triggeredBy` is appended just before its own event.
 */
export const applyRevocations = async (
  ctx: Pick<UseCaseContext, 'clock' | 'config'>,
  tx: StoreTx,
  requests: readonly RevocationRequest[],
  requestContext: RequestContext,
): Promise<AppliedRevocation[]> => {
  const now = ctx.clock.now();
  const counts: RevocationCounts[] = [];
  for (const { target, reason } of requests) {
    const selector = sessionSelectorFor(target);
    // Refresh tokens before sessions: the order a refresh takes its locks in (it rotates the
    // token, then touches the session). In the other order the two deadlocked on PostgreSQL.
    const refreshTokensRevoked =
      selector === undefined ? 0 : await tx.refreshTokens.revokeForSessions(selector);
    // Read before the sessions are marked: the relying parties of the sessions this revocation ends.
    if (selector !== undefined) await enqueueBackchannelLogouts(tx, selector, now);
    await forgetConsentGrants(tx, target);
    const sessionsRevoked = selector === undefined ? 0 : await tx.sessions.revoke(selector, now, reason);
    counts.push({ sessionsRevoked, refreshTokensRevoked });
  }
  const timing = revocationTiming(
    toNumericDate(now),
    ctx.config.accessTokenTtlSeconds,
    ctx.config.clockSkewSeconds,
  );
  const applied: AppliedRevocation[] = [];
  for (const [index, request] of requests.entries()) {
    const { target, reason } = request;
    const { sessionsRevoked, refreshTokensRevoked } = counts[index]!;
    // The first append: the append lock comes after the row locks.
    if (request.triggeredBy !== undefined)
      await tx.audit.append(auditEvent(requestContext, now, request.triggeredBy));
    const entry = await tx.revocations.append({
      id: newRevocationId(),
      kind: target.type,
      key: target.id,
      at: timing.at,
      expiresAt: timing.expiresAt,
      reason,
      note: request.note ?? null,
      actor: requestContext.actor,
      createdAt: now,
    });
    await tx.audit.append(
      auditEvent(requestContext, now, {
        action: revocationAction(target.type),
        target: { type: target.type, id: target.id },
        reason,
        counts: { sessions: sessionsRevoked, refresh_tokens: refreshTokensRevoked },
        details: { revocation_id: entry.id, seq: entry.seq, note: request.note ?? null, ...request.details },
      }),
    );
    applied.push({ entry, sessionsRevoked, refreshTokensRevoked });
  }
  return applied;
};
