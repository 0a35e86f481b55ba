import { parseUserId, type UserId } from '../../domain/ids.js';
import type { GroupRecord } from '../../domain/records.js';
import { clip } from '../../domain/scim/filter-parser.js';
import { getAttribute, isObject, type JsonObject } from '../../domain/scim/json.js';
import { project, type Projection } from '../../domain/scim/projection.js';
import { GROUP_RESOURCE, SCHEMA } from '../../domain/scim/resource-schemas.js';
import { ScimError } from '../../domain/scim/scim-error.js';
import type { GroupRepository } from '../../ports/storage/groups.js';
import type { UserRepository } from '../../ports/storage/users.js';
import { versionOf, type AbsentAttributes } from './scim-resources.js';

/** What a SCIM Group body sets; `undefined`: not asserted, kept (see `AbsentAttributes`). */
export interface ScimGroupFields {
  readonly displayName: string;
  readonly externalId: string | null | undefined;
  /** User ids, de-duplicated, in the order given. */
  readonly memberIds: readonly UserId[] | undefined;
}

const MAX_TEXT = 256;
export const MAX_MEMBERS = 10_000;

const invalidValue = (detail: string): ScimError => ScimError.badRequest('invalidValue', detail);

const throwInvalid = (detail: string): never => {
  throw invalidValue(detail);
};

const parseMembers = (value: unknown): readonly UserId[] => {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw invalidValue('"members" must be an array.');
  if (value.length > MAX_MEMBERS) throw invalidValue(`At most ${MAX_MEMBERS} members per request.`);
  const ids = new Set<string>();
  for (const entry of value) {
    if (!isObject(entry)) throw invalidValue('Each of "members" must be an object with a "value".');
    const id = getAttribute(entry, 'value');
    if (typeof id !== 'string' || id === '' || id.length > 128) {
      throw invalidValue('Each of "members" needs a "value": the id of a user.');
    }
    const type = getAttribute(entry, 'type');
    if (typeof type === 'string' && type.toLowerCase() === 'group') {
      throw invalidValue('Nested groups are not supported: members must be users.');
    }
    ids.add(id);
  }
  // An id of another kind names no user: the same answer as an unknown user id.
  return [...ids].map((id) => parseUserId(id) ?? throwInvalid(`Member ${quoted(id)} is not a user.`));
};

/** Reads a SCIM Group (POST, PUT, or the result of a PATCH). */
export const parseGroupResource = (body: unknown, absent: AbsentAttributes): ScimGroupFields => {
  if (!isObject(body))
    throw ScimError.badRequest('invalidSyntax', 'The request body must be a SCIM Group object.');
  const displayName = getAttribute(body, 'displayName');
  if (typeof displayName !== 'string' || displayName.trim() === '') {
    throw invalidValue('"displayName" is required.');
  }
  if (displayName.length > MAX_TEXT)
    throw invalidValue(`"displayName" is longer than ${MAX_TEXT} characters.`);
  const externalId = getAttribute(body, 'externalId');
  if (externalId !== undefined && externalId !== null && typeof externalId !== 'string') {
    throw invalidValue('"externalId" must be a string.');
  }
  if (typeof externalId === 'string' && externalId.length > MAX_TEXT) {
    throw invalidValue(`"externalId" is longer than ${MAX_TEXT} characters.`);
  }
  const members = getAttribute(body, 'members');
  return {
    displayName: displayName.trim(),
    externalId:
      externalId === undefined && absent === 'keep'
        ? undefined
        : typeof externalId === 'string' && externalId !== ''
          ? externalId
          : null,
    memberIds: members === undefined && absent === 'keep' ? undefined : parseMembers(members),
  };
};

export interface MemberRef {
  readonly id: string;
  /** The member's userName; absent when not loaded (PATCH evaluation). */
  readonly display?: string;
}

/** The group as a SCIM resource; pass undefined members to leave `members` out. */
export const renderGroup = (
  group: GroupRecord,
  members: readonly MemberRef[] | undefined,
  baseUrl: string,
): JsonObject => ({
  schemas: [SCHEMA.group],
  id: group.id,
  ...(group.externalId !== null && { externalId: group.externalId }),
  displayName: group.displayName,
  ...(members !== undefined && {
    members: members.map((member) => ({
      value: member.id,
      $ref: `${baseUrl}/Users/${member.id}`,
      ...(member.display !== undefined && { display: member.display }),
      type: 'User',
    })),
  }),
  meta: {
    resourceType: 'Group',
    created: group.createdAt.toISOString(),
    lastModified: group.updatedAt.toISOString(),
    location: `${baseUrl}/Groups/${group.id}`,
    version: versionOf(group.updatedAt),
  },
});

/** Whether the response shows `members` (one lookup per member). */
export const wantsMembers = (projection: Projection): boolean => {
  if (projection.attributes !== undefined) {
    return projection.attributes.some((path) => path.name.toLowerCase() === 'members');
  }
  return !(projection.excludedAttributes ?? []).some(
    (path) => path.name.toLowerCase() === 'members' && path.sub === undefined,
  );
};

/** Groups as returned to SCIM clients: members with their userName, then the projection. */
export const presentGroups = async (
  groups: readonly GroupRecord[],
  projection: Projection,
  store: {
    readonly groups: Pick<GroupRepository, 'memberIds'>;
    readonly users: Pick<UserRepository, 'findById'>;
  },
  baseUrl: string,
): Promise<JsonObject[]> => {
  const includeMembers = wantsMembers(projection);
  const rendered: JsonObject[] = [];
  for (const group of groups) {
    let members: MemberRef[] | undefined;
    if (includeMembers) {
      members = [];
      for (const id of await store.groups.memberIds(group.name)) {
        const user = await store.users.findById(id);
        if (user !== undefined) members.push({ id, display: user.username });
      }
    }
    rendered.push(project(renderGroup(group, members, baseUrl), projection, GROUP_RESOURCE));
  }
  return rendered;
};

/** Refers to user input in a detail without echoing much of it. */
export const quoted = (text: string): string => `"${clip(text, 60)}"`;
