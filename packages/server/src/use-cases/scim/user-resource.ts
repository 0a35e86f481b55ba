import { NAME_PATTERN, normalizeNames, USERNAME_PATTERN } from '../../domain/claims.js';
import {
  PASSWORD_MAX_LENGTH,
  PASSWORD_MIN_CHARACTERS,
  passwordProblem,
} from '../../domain/password-policy.js';
import type { GroupRecord, UserRecord } from '../../domain/records.js';
import { clip } from '../../domain/scim/filter-parser.js';
import { getAttribute, isObject, toBoolean, type JsonObject } from '../../domain/scim/json.js';
import { project, type Projection } from '../../domain/scim/projection.js';
import { SCHEMA, USER_RESOURCE } from '../../domain/scim/resource-schemas.js';
import { ScimError } from '../../domain/scim/scim-error.js';
import type { GroupRepository } from '../../ports/storage/groups.js';
import { versionOf, type AbsentAttributes } from './scim-resources.js';

/**
 * What a SCIM User body sets on a Cutoff user. `undefined` means "not asserted": the user keeps
 * the current value (see `AbsentAttributes`).
 */
export interface ScimUserFields {
  readonly username: string;
  readonly externalId: string | null | undefined;
  readonly displayName: string | null | undefined;
  readonly givenName: string | null | undefined;
  readonly familyName: string | null | undefined;
  readonly email: string | null | undefined;
  readonly active: boolean | undefined;
  readonly roles: readonly string[] | undefined;
  /** Plain text, only until hashed; never logged, stored or echoed. */
  readonly password: string | undefined;
}

const USERNAME = new RegExp(USERNAME_PATTERN);
const ROLE = new RegExp(NAME_PATTERN);
const EMAIL = /^[^\s@]+@[^\s@]+$/;
const MAX_TEXT = 256;
const MAX_ROLES = 100;

const invalidValue = (detail: string): ScimError => ScimError.badRequest('invalidValue', detail);

/** An optional string attribute: null or "" -> null. */
const optionalText = (value: unknown, name: string, max = MAX_TEXT): string | null => {
  if (value === undefined || value === null || value === '') return null;
  if (typeof value !== 'string') throw invalidValue(`"${name}" must be a string.`);
  if (value.length > max) throw invalidValue(`"${name}" is longer than ${max} characters.`);
  return value;
};

/** The one email Cutoff keeps: the primary, else the work address, else the first. */
const pickEmail = (value: unknown): string | null => {
  if (value === undefined || value === null) return null;
  if (!Array.isArray(value)) throw invalidValue('"emails" must be an array.');
  const entries = value.filter(isObject);
  if (entries.length !== value.length) throw invalidValue('Each of "emails" must be an object.');
  const withValue = entries.filter((entry) => getAttribute(entry, 'value') !== undefined);
  const chosen =
    withValue.find((entry) => toBoolean(getAttribute(entry, 'primary')) === true) ??
    withValue.find((entry) => {
      const type = getAttribute(entry, 'type');
      return typeof type === 'string' && type.toLowerCase() === 'work';
    }) ??
    withValue[0];
  if (chosen === undefined) return null;
  const email = optionalText(getAttribute(chosen, 'value'), 'emails.value', 320);
  if (email !== null && !EMAIL.test(email))
    throw invalidValue(`"${clip(email, 40)}" is not an email address.`);
  return email;
};

const parseRoles = (value: unknown): readonly string[] => {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw invalidValue('"roles" must be an array.');
  const names = (value as unknown[]).map((entry) => (isObject(entry) ? getAttribute(entry, 'value') : entry));
  if (names.length > MAX_ROLES) throw invalidValue(`At most ${MAX_ROLES} roles.`);
  for (const name of names) {
    if (typeof name !== 'string' || !ROLE.test(name)) {
      throw invalidValue(
        `Role ${typeof name === 'string' ? `"${clip(name, 40)}"` : 'value'} is not a valid role name (letters, digits and ._:@/-, no spaces).`,
      );
    }
  }
  return normalizeNames(names as string[]);
};

const parseActive = (value: unknown): boolean | undefined => {
  if (value === undefined || value === null) return undefined;
  const active = toBoolean(value);
  if (active === undefined) throw invalidValue('"active" must be true or false.');
  return active;
};

const parsePassword = (value: unknown): string | undefined => {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || passwordProblem(value) !== undefined) {
    throw invalidValue(
      `"password" must be a string of ${PASSWORD_MIN_CHARACTERS} to ${PASSWORD_MAX_LENGTH} characters.`,
    );
  }
  return value;
};

/**
 * Reads a SCIM User (POST, PUT, or the result of a PATCH). Attribute names are
 * case-insensitive; attributes Cutoff does not store (addresses, phoneNumbers, the enterprise
 * extension, ...) are accepted and ignored; read-only ones (`id`, `groups`, `meta`) are ignored.
 */
export const parseUserResource = (body: unknown, absent: AbsentAttributes): ScimUserFields => {
  if (!isObject(body))
    throw ScimError.badRequest('invalidSyntax', 'The request body must be a SCIM User object.');
  const userName = getAttribute(body, 'userName');
  if (typeof userName !== 'string' || userName === '') throw invalidValue('"userName" is required.');
  if (!USERNAME.test(userName)) {
    throw invalidValue(
      `"userName" "${clip(userName, 40)}" is not valid: up to 128 letters, digits and ._@+- (starting with a letter or digit).`,
    );
  }
  /** Reads an attribute, or reports it not asserted. */
  const read = <T>(value: unknown, parse: (value: unknown) => T): T | undefined =>
    value === undefined && absent === 'keep' ? undefined : parse(value);
  const name = getAttribute(body, 'name');
  if (name !== undefined && name !== null && !isObject(name)) throw invalidValue('"name" must be an object.');
  const nameKept = name === undefined && absent === 'keep';
  return {
    username: userName,
    externalId: read(getAttribute(body, 'externalId'), (value) => optionalText(value, 'externalId')),
    displayName: read(getAttribute(body, 'displayName'), (value) => optionalText(value, 'displayName')),
    givenName: nameKept
      ? undefined
      : isObject(name)
        ? optionalText(getAttribute(name, 'givenName'), 'name.givenName')
        : null,
    familyName: nameKept
      ? undefined
      : isObject(name)
        ? optionalText(getAttribute(name, 'familyName'), 'name.familyName')
        : null,
    email: read(getAttribute(body, 'emails'), pickEmail),
    active: parseActive(getAttribute(body, 'active')),
    roles: read(getAttribute(body, 'roles'), parseRoles),
    password: parsePassword(getAttribute(body, 'password')),
  };
};

/** A group a user belongs to, as the user's read-only `groups` shows it. */
export interface GroupRef {
  readonly id: string;
  readonly displayName: string;
}

/**
 * The user as a SCIM resource. `groups` lists the group names that have a group record (SCIM
 * or contractor groups); pass undefined to leave `groups` out.
 */
export const renderUser = (
  user: UserRecord,
  groups: readonly GroupRef[] | undefined,
  baseUrl: string,
): JsonObject => {
  const given = user.givenName ?? null;
  const family = user.familyName ?? null;
  const formatted = [given, family].filter((part) => part !== null).join(' ');
  return {
    schemas: [SCHEMA.user],
    id: user.id,
    ...((user.externalId ?? null) !== null && { externalId: user.externalId }),
    userName: user.username,
    ...(formatted !== '' && {
      name: {
        formatted,
        ...(given !== null && { givenName: given }),
        ...(family !== null && { familyName: family }),
      },
    }),
    ...((user.displayName ?? null) !== null && { displayName: user.displayName }),
    active: user.active,
    ...(user.email !== null && { emails: [{ value: user.email, type: 'work', primary: true }] }),
    // A single role is the primary one: Entra's SingleAppRoleAssignment mapping replaces
    // `roles[primary eq "True"].value`, which must find it to replace (and so remove) it.
    ...(user.roles.length > 0 && {
      roles: user.roles.map((role) =>
        user.roles.length === 1 ? { value: role, primary: true } : { value: role },
      ),
    }),
    ...(groups !== undefined &&
      groups.length > 0 && {
        groups: groups.map((group) => ({
          value: group.id,
          $ref: `${baseUrl}/Groups/${group.id}`,
          display: group.displayName,
          type: 'direct',
        })),
      }),
    meta: {
      resourceType: 'User',
      created: user.createdAt.toISOString(),
      lastModified: user.updatedAt.toISOString(),
      location: `${baseUrl}/Users/${user.id}`,
      version: versionOf(user.updatedAt),
    },
  };
};

/** Looks group records up by name once per request. */
export const groupRefLoader = (groups: Pick<GroupRepository, 'findByName'>) => {
  const cache = new Map<string, Promise<GroupRecord | undefined>>();
  return async (names: readonly string[]): Promise<readonly GroupRef[]> => {
    const found = await Promise.all(
      names.map((name) => {
        let pending = cache.get(name);
        if (pending === undefined) {
          pending = groups.findByName(name);
          cache.set(name, pending);
        }
        return pending;
      }),
    );
    return found.flatMap((group) =>
      group === undefined ? [] : [{ id: group.id, displayName: group.displayName }],
    );
  };
};

/** Whether the response shows `groups` (loading them costs a lookup per group name). */
const wantsGroups = (projection: Projection): boolean => {
  if (projection.attributes !== undefined) {
    return projection.attributes.some((path) => path.name.toLowerCase() === 'groups');
  }
  return !(projection.excludedAttributes ?? []).some(
    (path) => path.name.toLowerCase() === 'groups' && path.sub === undefined,
  );
};

/** Users as returned to SCIM clients, with their groups (unless projected away) and the projection applied. */
export const presentUsers = async (
  users: readonly UserRecord[],
  projection: Projection,
  groups: Pick<GroupRepository, 'findByName'>,
  baseUrl: string,
): Promise<JsonObject[]> => {
  const load = groupRefLoader(groups);
  const includeGroups = wantsGroups(projection);
  const rendered: JsonObject[] = [];
  for (const user of users) {
    const refs = includeGroups ? await load(user.groups) : undefined;
    rendered.push(project(renderUser(user, refs, baseUrl), projection, USER_RESOURCE));
  }
  return rendered;
};
