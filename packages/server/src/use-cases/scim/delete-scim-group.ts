import type { RevocationRecord } from '../../domain/records.js';
import { auditEvent } from '../audit/audit-event.js';
import type { RequestContext, UseCaseContext } from '../context.js';
import { applyRevocation } from '../revocation/apply-revocation.js';
import { groupNotFound } from './change-scim-group.js';
import { checkIfMatch, type WriteOptions } from './scim-resources.js';

/**
 * DELETE /Groups/{id}: every member loses the group, so the group is revoked first (one entry of
 * kind `group`, reason `role_change`: tokens carrying it are rejected and the members' sessions
 * end), then the record and every membership are deleted, in one transaction.
 */
export const deleteScimGroup = async (
  ctx: UseCaseContext,
  id: string,
  options: WriteOptions,
  requestContext: RequestContext,
): Promise<RevocationRecord | null> => {
  const now = ctx.clock.now();
  const entry = await ctx.store.transaction(async (tx) => {
    const group = await tx.groups.findById(id);
    if (group === undefined) throw groupNotFound();
    checkIfMatch(options.ifMatch, group.updatedAt);
    const members = await tx.groups.memberIds(group.name);
    const applied =
      members.length === 0
        ? null
        : await applyRevocation(
            ctx,
            tx,
            {
              target: { type: 'group', id: group.name },
              reason: 'role_change',
              details: { source: 'scim', group_id: group.id, deleted: true },
            },
            requestContext,
          );
    await tx.groups.delete(id);
    await tx.audit.append(
      auditEvent(requestContext, now, {
        action: 'group.deleted',
        target: { type: 'group', id: group.name },
        counts: { members_removed: members.length },
        details: {
          source: 'scim',
          group_id: group.id,
          display_name: group.displayName,
          ...(applied !== null && { revocation_seq: applied.entry.seq }),
        },
      }),
    );
    return applied?.entry ?? null;
  });
  return entry;
};
