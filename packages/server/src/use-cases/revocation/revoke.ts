import type { RequestContext, UseCaseContext } from '../context.js';
import {
  applyRevocation,
  assertTargetExists,
  countRevocation,
  type RevocationCounts,
  type RevocationRequest,
} from './apply-revocation.js';
import { matchTarget, suggestTargets, type TargetMatch } from './match-revocation.js';
import type { RevocationRecord } from '../../domain/records.js';
import {
  revocationWarnings,
  type RevocationMatch,
  type RevocationWarning,
} from '../../domain/revocation-match.js';
import type { StoreTx } from '../../ports/storage/store.js';

interface MatchReport {
  readonly matched: RevocationMatch;
  /** Empty when the target matched what it names. */
  readonly warnings: readonly RevocationWarning[];
}

export type RevokeResult =
  | ({ readonly dryRun: true } & RevocationCounts & MatchReport)
  | ({ readonly dryRun: false; readonly entry: RevocationRecord } & RevocationCounts & MatchReport);

const reportMatch = async (
  tx: StoreTx,
  request: RevocationRequest,
  target: TargetMatch,
  sessions: number,
): Promise<MatchReport> => {
  const matched = { ...target, sessions };
  const suggestions = await suggestTargets(tx, request.target, target);
  return { matched, warnings: revocationWarnings(request.target, matched, suggestions) };
};

/**
 * One call cuts a session, user, group, role, client or everyone off. Returns only after the
 * entry, the session and refresh-token changes and the audit event have committed together.
 * A target that matches nothing (a mistyped group or role) is still written, since a token issued
 * later may carry the name, and the answer says so in `warnings`, with close known names.
 */
export const revoke = async (
  ctx: UseCaseContext,
  request: RevocationRequest & { readonly dryRun?: boolean },
  requestContext: RequestContext,
): Promise<RevokeResult> => {
  if (request.dryRun === true) {
    return ctx.store.transaction(async (tx) => {
      await assertTargetExists(tx, request.target);
      const target = await matchTarget(tx, request.target);
      const counts = await countRevocation(tx, request.target);
      return { dryRun: true, ...counts, ...(await reportMatch(tx, request, target, counts.sessionsRevoked)) };
    });
  }
  const applied = await ctx.store.transaction(async (tx) => {
    await assertTargetExists(tx, request.target);
    // Read before the revocation changes anything: what the target named is what it matched.
    const target = await matchTarget(tx, request.target);
    const details = { ...request.details, matched: { users: target.users, known: target.known } };
    const result = await applyRevocation(ctx, tx, { ...request, details }, requestContext);
    return { ...result, ...(await reportMatch(tx, request, target, result.sessionsRevoked)) };
  });
  return { dryRun: false, ...applied };
};
