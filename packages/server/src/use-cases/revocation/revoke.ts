import type { RequestContext, UseCaseContext } from '../context.js';
import {
  applyRevocation,
  assertTargetExists,
  countRevocation,
  type RevocationCounts,
  type RevocationRequest,
} from './apply-revocation.js';
import type { RevocationRecord } from '../../domain/records.js';

export type RevokeResult =
  | ({ readonly dryRun: true } & RevocationCounts)
  | ({ readonly dryRun: false; readonly entry: RevocationRecord } & RevocationCounts);

/**
 * One call cuts a session, user, group, role, client or everyone off. Returns only after the
 * entry, the session and refresh-token changes and the audit event have committed together.
 */
export const revoke = async (
  ctx: UseCaseContext,
  request: RevocationRequest & { readonly dryRun?: boolean },
  requestContext: RequestContext,
): Promise<RevokeResult> => {
  if (request.dryRun === true) {
    await assertTargetExists(ctx.store, request.target);
    return { dryRun: true, ...(await countRevocation(ctx.store, request.target)) };
  }
  const applied = await ctx.store.transaction(async (tx) => {
    await assertTargetExists(tx, request.target);
    return applyRevocation(ctx, tx, request, requestContext);
  });
  ctx.onRevocationCommitted(applied.entry);
  return { dryRun: false, ...applied };
};
