import { isCutoffError } from '../../domain/errors.js';
import type { UserId } from '../../domain/ids.js';
import type { GroupRecord } from '../../domain/records.js';
import { GROUP_ID_PREFIX, groupNameFor } from '../../domain/scim/group-name.js';
import { ScimError } from '../../domain/scim/scim-error.js';
import { randomId } from '../../lib/secrets.js';
import type { StoreTx } from '../../ports/storage/store.js';
import { auditEvent } from '../audit/audit-event.js';
import type { RequestContext, UseCaseContext } from '../context.js';
import { parseGroupResource, quoted } from './group-resource.js';
import { boundedIds } from './scim-resources.js';

export const groupNameTaken = (name: string): ScimError =>
  new ScimError(409, 'uniqueness', `A group named ${quoted(name)} already exists.`);

/** 400 `invalidValue` unless every id is a user: nothing is applied when one is not. */
export const assertUsersExist = async (tx: StoreTx, ids: readonly UserId[]): Promise<void> => {
  for (const id of ids) {
    if ((await tx.users.findById(id)) === undefined) {
      throw ScimError.badRequest('invalidValue', `Member ${quoted(id)} is not a user.`);
    }
  }
};

/**
 * POST /Groups: a group record named after the displayName (see `groupNameFor`) with its
 * members. Users who already carry that group name stay members. Adding members revokes nothing.
 */
export const createScimGroup = async (
  ctx: UseCaseContext,
  body: unknown,
  requestContext: RequestContext,
): Promise<GroupRecord> => {
  const fields = parseGroupResource(body, 'clear');
  const memberIds = fields.memberIds ?? [];
  const name = groupNameFor(fields.displayName);
  const now = ctx.clock.now();
  const group: GroupRecord = {
    id: randomId(GROUP_ID_PREFIX),
    name,
    displayName: fields.displayName,
    externalId: fields.externalId ?? null,
    endAt: null,
    endedAt: null,
    deactivateMembers: 'none',
    createdAt: now,
    updatedAt: now,
  };
  try {
    await ctx.store.transaction(async (tx) => {
      if ((await tx.groups.findByName(name)) !== undefined) throw groupNameTaken(name);
      await assertUsersExist(tx, memberIds);
      await tx.groups.insert(group);
      const added: UserId[] = [];
      for (const id of memberIds) if (await tx.groups.addMember(name, id)) added.push(id);
      await tx.audit.append(
        auditEvent(requestContext, now, {
          action: 'group.created',
          target: { type: 'group', id: name },
          counts: { members_added: added.length },
          details: {
            source: 'scim',
            group_id: group.id,
            display_name: group.displayName,
            external_id: group.externalId,
            members_added: boundedIds(added),
          },
        }),
      );
    });
  } catch (error) {
    if (isCutoffError(error) && error.code === 'ERR_CONFLICT') throw groupNameTaken(name);
    throw error;
  }
  return group;
};
