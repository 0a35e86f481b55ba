import { parseUserId, type UserId } from '../../domain/ids.js';
import type { UserRecord } from '../../domain/records.js';
import { compileFilter } from '../../domain/scim/filter-evaluator.js';
import type { FilterNode } from '../../domain/scim/filter-parser.js';
import { isSchemaUri, SCHEMA, USER_RESOURCE } from '../../domain/scim/resource-schemas.js';
import { filterMentions, sortComparator, type ListQuery } from '../../domain/scim/list-query.js';
import type { JsonObject } from '../../domain/scim/json.js';
import type { StoreReader } from '../../ports/storage/store.js';
import type { UseCaseContext } from '../context.js';
import { userNotFound } from './change-scim-user.js';
import { scimBaseUrl } from './scim-resources.js';
import { groupRefLoader, renderUser } from './user-resource.js';

export interface ScimPage<T> {
  readonly totalResults: number;
  readonly startIndex: number;
  readonly items: readonly T[];
}

/** Users are read from the store in pages of this size when a filter must be evaluated in memory. */
const SCAN_PAGE = 500;

export const getScimUser = async (ctx: UseCaseContext, id: UserId): Promise<UserRecord> => {
  const user = await ctx.store.read((r) => r.users.findById(id));
  if (user === undefined) throw userNotFound();
  return user;
};

const isCoreAttribute = (node: FilterNode & { kind: 'compare' }, name: string): boolean =>
  node.path.name.toLowerCase() === name.toLowerCase() &&
  node.path.sub === undefined &&
  (node.path.uri === undefined || isSchemaUri(node.path.uri, SCHEMA.user));

/**
 * The users an indexed lookup can narrow the filter to (`userName eq`, `externalId eq`, `id eq`,
 * and `and`/`or` of them), or undefined when every user must be scanned. The full filter is still
 * evaluated on the candidates.
 */
const indexedCandidates = async (
  users: StoreReader['users'],
  node: FilterNode,
): Promise<readonly UserRecord[] | undefined> => {
  switch (node.kind) {
    case 'compare': {
      if (node.op !== 'eq' || typeof node.value !== 'string') return undefined;
      let found: UserRecord | undefined;
      if (isCoreAttribute(node, 'userName')) found = await users.findByUsername(node.value);
      else if (isCoreAttribute(node, 'externalId')) found = await users.findByExternalId(node.value);
      else if (isCoreAttribute(node, 'id')) {
        const id = parseUserId(node.value);
        found = id === undefined ? undefined : await users.findById(id);
      } else return undefined;
      return found === undefined ? [] : [found];
    }
    case 'and':
      return (await indexedCandidates(users, node.left)) ?? indexedCandidates(users, node.right);
    case 'or': {
      const left = await indexedCandidates(users, node.left);
      if (left === undefined) return undefined;
      const right = await indexedCandidates(users, node.right);
      if (right === undefined) return undefined;
      return [...left, ...right.filter((user) => !left.some((other) => other.id === user.id))];
    }
    case 'not':
    case 'present':
    case 'valuePath':
      return undefined;
  }
};

async function* allUsers(users: StoreReader['users']): AsyncGenerator<UserRecord> {
  let cursor: string | undefined;
  do {
    const page = await users.list({ limit: SCAN_PAGE, ...(cursor !== undefined && { cursor }) });
    yield* page.items;
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
}

/** Without filter or sort: the page straight from the store, in id order. */
const plainPage = async (users: StoreReader['users'], query: ListQuery): Promise<ScimPage<UserRecord>> => {
  const totalResults = await users.countAll();
  const items: UserRecord[] = [];
  let index = 0;
  if (query.count > 0 && query.startIndex <= totalResults) {
    for await (const user of allUsers(users)) {
      index += 1;
      if (index < query.startIndex) continue;
      items.push(user);
      if (items.length >= query.count) break;
    }
  }
  return { totalResults, startIndex: query.startIndex, items };
};

/**
 * GET /Users with `filter`, `sortBy`, `startIndex` and `count`. `userName`, `externalId` and `id`
 * equality use the store's indexes; any other filter, and any sort, reads every user in pages of
 * 500 and evaluates in memory (fine for tens of thousands of users; see docs/scim.md).
 */
export const listScimUsers = (ctx: UseCaseContext, query: ListQuery): Promise<ScimPage<UserRecord>> =>
  ctx.store.read((reader) => listScimUsersWith(reader, ctx, query));

const listScimUsersWith = async (
  reader: StoreReader,
  ctx: UseCaseContext,
  query: ListQuery,
): Promise<ScimPage<UserRecord>> => {
  const { users } = reader;
  if (query.filter === undefined && query.sortBy === undefined) return plainPage(users, query);
  const matches =
    query.filter === undefined ? undefined : compileFilter(query.filter, USER_RESOURCE, { lenient: false });
  const compare =
    query.sortBy === undefined ? undefined : sortComparator(USER_RESOURCE, query.sortBy, query.sortOrder);
  const needsGroups = filterMentions(query.filter, 'groups') || query.sortBy?.name.toLowerCase() === 'groups';
  const loadGroups = groupRefLoader(reader.groups);
  const baseUrl = scimBaseUrl(ctx.config);
  const candidates = query.filter === undefined ? undefined : await indexedCandidates(users, query.filter);
  const found: { readonly user: UserRecord; readonly resource: JsonObject }[] = [];
  const consider = async (user: UserRecord): Promise<void> => {
    const resource = renderUser(user, needsGroups ? await loadGroups(user.groups) : undefined, baseUrl);
    if (matches === undefined || matches(resource)) found.push({ user, resource });
  };
  if (candidates !== undefined) for (const user of candidates) await consider(user);
  else for await (const user of allUsers(users)) await consider(user);
  if (compare !== undefined) found.sort((a, b) => compare(a.resource, b.resource));
  return {
    totalResults: found.length,
    startIndex: query.startIndex,
    items: found.slice(query.startIndex - 1, query.startIndex - 1 + query.count).map((entry) => entry.user),
  };
};
