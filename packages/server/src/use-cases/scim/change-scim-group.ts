import type { UserId } from '../../domain/ids.js';
import type { GroupRecord, RevocationRecord } from '../../domain/records.js';
import { groupNameFor } from '../../domain/scim/group-name.js';
import { ScimError } from '../../domain/scim/scim-error.js';
import type { GroupPatch } from '../../ports/storage/groups.js';
import { auditEvent, type AuditEventInput } from '../audit/audit-event.js';
import type { RequestContext, UseCaseContext } from '../context.js';
import { applyRevocations } from '../revocation/apply-revocation.js';
import { assertUsersExist, groupNameTaken } from './create-scim-group.js';
import type { ScimGroupFields } from './group-resource.js';
import { boundedIds, checkIfMatch, type WriteOptions } from './scim-resources.js';

export interface ScimGroupChange {
  readonly group: GroupRecord;
  /** One per member removed: each removed user's sessions were cut off (reason `role_change`). */
  readonly revocations: readonly RevocationRecord[];
}

export const groupNotFound = (): ScimError => ScimError.notFound('No group with that id.');

/**
 * Commits a SCIM replace or PATCH of a group. `compute` turns the group and its current member
 * ids into the fields to store; it runs inside the transaction, so concurrent membership changes
 * are not lost. A displayName change renames the group (in every member's groups too). Each
 * removed member is revoked (reason `role_change`: their tokens carry the group); added members
 * revoke nothing. The change, the audit event and the revocations commit together.
 */
export const changeScimGroup = async (
  ctx: UseCaseContext,
  id: string,
  compute: (before: GroupRecord, memberIds: readonly UserId[]) => ScimGroupFields,
  options: WriteOptions,
  requestContext: RequestContext,
): Promise<ScimGroupChange> => {
  const now = ctx.clock.now();
  const result = await ctx.store.transaction(async (tx): Promise<ScimGroupChange> => {
    const before = await tx.groups.findById(id);
    if (before === undefined) throw groupNotFound();
    checkIfMatch(options.ifMatch, before.updatedAt);
    const currentMembers = await tx.groups.memberIds(before.name);
    const fields = compute(before, currentMembers);
    const name = groupNameFor(fields.displayName);
    const wanted = fields.memberIds ?? currentMembers;
    const added = wanted.filter((member) => !currentMembers.includes(member));
    const removed = currentMembers.filter((member) => !wanted.includes(member));
    const changed = [
      ...(name !== before.name ? ['name'] : []),
      ...(fields.displayName !== before.displayName ? ['display_name'] : []),
      ...(fields.externalId !== undefined && fields.externalId !== before.externalId ? ['external_id'] : []),
      ...(added.length > 0 || removed.length > 0 ? ['members'] : []),
    ];
    if (changed.length === 0) return { group: before, revocations: [] };
    await assertUsersExist(tx, added);
    if (name !== before.name && (await tx.groups.findByName(name)) !== undefined) throw groupNameTaken(name);
    const patch: GroupPatch = {
      updatedAt: now,
      ...(name !== before.name && { name }),
      ...(fields.displayName !== before.displayName && { displayName: fields.displayName }),
      ...(fields.externalId !== undefined && { externalId: fields.externalId }),
    };
    const group = await tx.groups.update(id, patch);
    if (group === undefined) throw groupNotFound();
    for (const member of removed) await tx.groups.removeMember(group.name, member);
    for (const member of added) await tx.groups.addMember(group.name, member);
    const updated: AuditEventInput = {
      action: 'group.updated',
      target: { type: 'group', id: group.name },
      counts: { members_added: added.length, members_removed: removed.length },
      details: {
        source: 'scim',
        group_id: group.id,
        changed,
        ...(name !== before.name && { renamed_from: before.name }),
        display_name: group.displayName,
        members_added: boundedIds(added),
        members_removed: boundedIds(removed),
      },
    };
    if (removed.length === 0) {
      await tx.audit.append(auditEvent(requestContext, now, updated));
      return { group, revocations: [] };
    }
    // Every removed member's rows locked before the first append; `group.updated` goes in as the
    // cause, just before the first member's revocation event.
    const applied = await applyRevocations(
      ctx,
      tx,
      removed.map((member, index) => ({
        target: { type: 'user', id: member },
        reason: 'role_change',
        details: { source: 'scim', removed_from_group: group.name, group_id: group.id },
        ...(index === 0 && { triggeredBy: updated }),
      })),
      requestContext,
    );
    const revocations: RevocationRecord[] = applied.map((revocation) => revocation.entry);
    return { group, revocations };
  });
  return result;
};
