import type { GroupRecord } from '../../domain/records.js';
import { compileFilter } from '../../domain/scim/filter-evaluator.js';
import type { FilterNode } from '../../domain/scim/filter-parser.js';
import type { JsonObject } from '../../domain/scim/json.js';
import { filterMentions, sortComparator, type ListQuery } from '../../domain/scim/list-query.js';
import { GROUP_RESOURCE, isSchemaUri, SCHEMA } from '../../domain/scim/resource-schemas.js';
import type { StoreReader } from '../../ports/storage/store.js';
import type { UseCaseContext } from '../context.js';
import { groupNotFound } from './change-scim-group.js';
import { renderGroup } from './group-resource.js';
import type { ScimPage } from './list-scim-users.js';
import { scimBaseUrl } from './scim-resources.js';

const SCAN_PAGE = 500;

export const getScimGroup = async (ctx: UseCaseContext, id: string): Promise<GroupRecord> => {
  const group = await ctx.store.read((r) => r.groups.findById(id));
  if (group === undefined) throw groupNotFound();
  return group;
};

const isCoreAttribute = (node: FilterNode & { kind: 'compare' }, name: string): boolean =>
  node.path.name.toLowerCase() === name.toLowerCase() &&
  node.path.sub === undefined &&
  (node.path.uri === undefined || isSchemaUri(node.path.uri, SCHEMA.group));

/** `externalId eq` and `id eq` use the store's indexes; `displayName` (case-insensitive) is scanned. */
const indexedCandidates = async (
  groups: StoreReader['groups'],
  node: FilterNode,
): Promise<readonly GroupRecord[] | undefined> => {
  if (node.kind === 'and') {
    return (await indexedCandidates(groups, node.left)) ?? indexedCandidates(groups, node.right);
  }
  if (node.kind !== 'compare' || node.op !== 'eq' || typeof node.value !== 'string') return undefined;
  let found: GroupRecord | undefined;
  if (isCoreAttribute(node, 'externalId')) found = await groups.findByExternalId(node.value);
  else if (isCoreAttribute(node, 'id')) found = await groups.findById(node.value);
  else return undefined;
  return found === undefined ? [] : [found];
};

async function* allGroups(groups: StoreReader['groups']): AsyncGenerator<GroupRecord> {
  let cursor: string | undefined;
  do {
    const page = await groups.list({ limit: SCAN_PAGE, ...(cursor !== undefined && { cursor }) });
    yield* page.items;
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
}

/**
 * GET /Groups with `filter`, `sortBy`, `startIndex` and `count`, in id order unless sorted.
 * Filters on `members` load each group's member ids.
 */
export const listScimGroups = (ctx: UseCaseContext, query: ListQuery): Promise<ScimPage<GroupRecord>> =>
  ctx.store.read((reader) => listScimGroupsWith(reader, ctx, query));

const listScimGroupsWith = async (
  reader: StoreReader,
  ctx: UseCaseContext,
  query: ListQuery,
): Promise<ScimPage<GroupRecord>> => {
  const { groups } = reader;
  const matches =
    query.filter === undefined ? undefined : compileFilter(query.filter, GROUP_RESOURCE, { lenient: false });
  const compare =
    query.sortBy === undefined ? undefined : sortComparator(GROUP_RESOURCE, query.sortBy, query.sortOrder);
  const needsMembers = filterMentions(query.filter, 'members');
  const baseUrl = scimBaseUrl(ctx.config);
  const candidates = query.filter === undefined ? undefined : await indexedCandidates(groups, query.filter);
  const found: { readonly group: GroupRecord; readonly resource: JsonObject }[] = [];
  const consider = async (group: GroupRecord): Promise<void> => {
    const members = needsMembers ? (await groups.memberIds(group.name)).map((id) => ({ id })) : undefined;
    const resource = renderGroup(group, members, baseUrl);
    if (matches === undefined || matches(resource)) found.push({ group, resource });
  };
  if (candidates !== undefined) for (const group of candidates) await consider(group);
  else for await (const group of allGroups(groups)) await consider(group);
  if (compare !== undefined) found.sort((a, b) => compare(a.resource, b.resource));
  return {
    totalResults: found.length,
    startIndex: query.startIndex,
    items: found.slice(query.startIndex - 1, query.startIndex - 1 + query.count).map((entry) => entry.group),
  };
};
