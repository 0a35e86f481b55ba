import { CutoffError } from '../../domain/errors.js';
import type { GroupRecord, MemberDeactivation } from '../../domain/records.js';
import { randomId } from '../../lib/secrets.js';
import type { GroupPatch } from '../../ports/storage/groups.js';
import { auditEvent } from '../audit/audit-event.js';
import type { RequestContext, UseCaseContext } from '../context.js';

export const GROUP_ID_PREFIX = 'grp';

export interface UpsertGroupInput {
  readonly displayName?: string | undefined;
  /** A contractor end date (must be in the future), or null to remove it. */
  readonly endAt?: Date | null | undefined;
  /** What the group's end does to members' accounts (`exclusive`: deactivate those in no other group). */
  readonly deactivateMembers?: MemberDeactivation | undefined;
}

export interface UpsertGroupResult {
  readonly group: GroupRecord;
  readonly created: boolean;
}

const iso = (date: Date | null): string | null => (date === null ? null : date.toISOString());

/**
 * Creates or changes the metadata of a group name. Membership stays with the users; the end date
 * is what members' tokens carry as `access_until` and what the schedule ends the group at.
 */
export const upsertGroup = async (
  ctx: UseCaseContext,
  name: string,
  input: UpsertGroupInput,
  requestContext: RequestContext,
): Promise<UpsertGroupResult> => {
  const now = ctx.clock.now();
  // Kept to the second (rounded down), the precision of `access_until`.
  const endAt =
    input.endAt === undefined || input.endAt === null
      ? input.endAt
      : new Date(Math.floor(input.endAt.getTime() / 1000) * 1000);
  if (endAt !== undefined && endAt !== null && endAt.getTime() <= now.getTime()) {
    throw new CutoffError('ERR_VALIDATION', {
      message: 'end_at must be in the future; to end the group now, POST /v1/groups/{name}/end.',
    });
  }
  return ctx.store.transaction(async (tx) => {
    const existing = await tx.groups.findByName(name);
    if (existing === undefined) {
      const group: GroupRecord = {
        id: randomId(GROUP_ID_PREFIX),
        name,
        displayName: input.displayName ?? name,
        externalId: null,
        endAt: endAt ?? null,
        endedAt: null,
        deactivateMembers: input.deactivateMembers ?? 'none',
        createdAt: now,
        updatedAt: now,
      };
      await tx.groups.insert(group);
      await tx.audit.append(
        auditEvent(requestContext, now, {
          action: 'group.created',
          target: { type: 'group', id: name },
          details: {
            group_id: group.id,
            display_name: group.displayName,
            end_at: iso(group.endAt),
            deactivate_members: group.deactivateMembers,
          },
        }),
      );
      return { group, created: true };
    }
    if (existing.endedAt !== null && (input.endAt !== undefined || input.deactivateMembers !== undefined)) {
      throw new CutoffError('ERR_CONFLICT', {
        message:
          'The group has ended; its end date and what its end does to members can no longer change. Use a new group name.',
      });
    }
    const patch: GroupPatch = {
      updatedAt: now,
      ...(input.displayName !== undefined && { displayName: input.displayName }),
      ...(endAt !== undefined && { endAt }),
      ...(input.deactivateMembers !== undefined && { deactivateMembers: input.deactivateMembers }),
    };
    const group = await tx.groups.update(existing.id, patch);
    if (group === undefined) throw new CutoffError('ERR_NOT_FOUND', { message: 'No group with that name.' });
    await tx.audit.append(
      auditEvent(requestContext, now, {
        action: 'group.updated',
        target: { type: 'group', id: name },
        details: {
          group_id: group.id,
          changed: [
            ...(input.displayName !== undefined ? ['display_name'] : []),
            ...(input.endAt !== undefined ? ['end_at'] : []),
            ...(input.deactivateMembers !== undefined ? ['deactivate_members'] : []),
          ],
          display_name: group.displayName,
          end_at_before: iso(existing.endAt),
          end_at: iso(group.endAt),
          deactivate_members: group.deactivateMembers,
        },
      }),
    );
    return { group, created: false };
  });
};
