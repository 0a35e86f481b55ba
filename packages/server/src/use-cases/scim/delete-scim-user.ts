import type { UserId } from '../../domain/ids.js';
import type { RevocationRecord } from '../../domain/records.js';
import { auditEvent } from '../audit/audit-event.js';
import type { RequestContext, UseCaseContext } from '../context.js';
import { applyRevocation } from '../revocation/apply-revocation.js';
import { userNotFound } from './change-scim-user.js';
import { checkIfMatch, type WriteOptions } from './scim-resources.js';

/**
 * DELETE /Users/{id}: revokes the user (reason `offboarding`), then deletes the account with its
 * sessions and refresh tokens, in one transaction. The revocation entry and the audit events stay
 * as evidence; guards reject the user's access tokens from the entry on.
 */
export const deleteScimUser = async (
  ctx: UseCaseContext,
  id: UserId,
  options: WriteOptions,
  requestContext: RequestContext,
): Promise<RevocationRecord> => {
  const now = ctx.clock.now();
  const entry = await ctx.store.transaction(async (tx) => {
    const user = await tx.users.findById(id);
    if (user === undefined) throw userNotFound();
    checkIfMatch(options.ifMatch, user.updatedAt);
    const applied = await applyRevocation(
      ctx,
      tx,
      { target: { type: 'user', id }, reason: 'offboarding', details: { source: 'scim', deleted: true } },
      requestContext,
    );
    await tx.users.delete(id);
    await tx.audit.append(
      auditEvent(requestContext, now, {
        action: 'user.deleted',
        target: { type: 'user', id },
        reason: 'offboarding',
        details: {
          source: 'scim',
          username: user.username,
          external_id: user.externalId ?? null,
          revocation_seq: applied.entry.seq,
        },
      }),
    );
    return applied.entry;
  });
  return entry;
};
