import { resolvePath, containerOf } from './filter-evaluator.js';
import { parseAttributePath, parseFilter, type AttributePath, type FilterNode } from './filter-parser.js';
import { asArray, getAttribute, isObject, toBoolean, type JsonObject } from './json.js';
import { parseAttributeList, type Projection } from './projection.js';
import { SCHEMA, type ResourceTypeDefinition } from './resource-schemas.js';
import { ScimError } from './scim-error.js';

/** A list or `.search` request (RFC 7644 sections 3.4.2 and 3.4.3). */
export interface ListQuery {
  readonly filter: FilterNode | undefined;
  /** 1-based. */
  readonly startIndex: number;
  readonly count: number;
  readonly sortBy: AttributePath | undefined;
  readonly sortOrder: 'ascending' | 'descending';
  readonly projection: Projection;
}

export const DEFAULT_COUNT = 100;
/** The most resources one page holds (`filter.maxResults` in /ServiceProviderConfig). */
export const MAX_COUNT = 200;

const integer = (value: unknown, parameter: string): number | undefined => {
  if (value === undefined || value === null || value === '') return undefined;
  const number = typeof value === 'number' ? value : typeof value === 'string' ? Number(value.trim()) : NaN;
  if (!Number.isInteger(number))
    throw ScimError.badRequest('invalidValue', `"${parameter}" must be an integer.`);
  return number;
};

const text = (value: unknown, parameter: string): string | undefined => {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string')
    throw ScimError.badRequest('invalidValue', `"${parameter}" must be a string.`);
  return value;
};

/**
 * Reads the parameters (names case-insensitive) of a query string or a SearchRequest body.
 * Out-of-range paging is clamped as RFC 7644 says: startIndex < 1 is 1, count < 0 is 0, and a
 * count above the maximum returns the maximum.
 */
export const parseListQuery = (parameters: JsonObject): ListQuery => {
  const filterText = text(getAttribute(parameters, 'filter'), 'filter');
  const startIndex = integer(getAttribute(parameters, 'startIndex'), 'startIndex') ?? 1;
  const count = integer(getAttribute(parameters, 'count'), 'count') ?? DEFAULT_COUNT;
  const sortByText = text(getAttribute(parameters, 'sortBy'), 'sortBy');
  const sortOrderText = text(getAttribute(parameters, 'sortOrder'), 'sortOrder')?.toLowerCase();
  if (sortOrderText !== undefined && sortOrderText !== 'ascending' && sortOrderText !== 'descending') {
    throw ScimError.badRequest('invalidValue', '"sortOrder" must be ascending or descending.');
  }
  return {
    filter: filterText === undefined ? undefined : parseFilter(filterText),
    startIndex: Math.max(1, startIndex),
    count: Math.min(MAX_COUNT, Math.max(0, count)),
    sortBy:
      sortByText === undefined || sortByText.trim() === ''
        ? undefined
        : parseAttributePath(sortByText.trim(), 'invalidValue'),
    sortOrder: sortOrderText ?? 'ascending',
    projection: {
      attributes: parseAttributeList(getAttribute(parameters, 'attributes'), 'attributes'),
      excludedAttributes: parseAttributeList(
        getAttribute(parameters, 'excludedAttributes'),
        'excludedAttributes',
      ),
    },
  };
};

/** A SearchRequest body (`POST /Users/.search`). */
export const parseSearchRequest = (body: unknown): ListQuery => {
  if (!isObject(body))
    throw ScimError.badRequest('invalidSyntax', 'The request body must be a SearchRequest object.');
  const schemas = getAttribute(body, 'schemas');
  if (
    schemas !== undefined &&
    !(Array.isArray(schemas) && schemas.some((schema) => schema === SCHEMA.searchRequest))
  ) {
    throw ScimError.badRequest('invalidSyntax', `"schemas" must contain "${SCHEMA.searchRequest}".`);
  }
  const parameters: JsonObject = {};
  for (const [key, value] of Object.entries(body)) {
    if (key.toLowerCase() === 'schemas') continue;
    // `attributes` and `excludedAttributes` are arrays in a SearchRequest.
    parameters[key] = Array.isArray(value) ? value.join(',') : value;
  }
  return parseListQuery(parameters);
};

/** The value a resource sorts by: the attribute, or the primary (else first) entry of a multi-valued one. */
const sortKey = (resource: JsonObject, read: (resource: JsonObject) => unknown): unknown => {
  const value = read(resource);
  if (!Array.isArray(value)) return value;
  const entries = asArray(value);
  const primary = entries.find(
    (entry) => isObject(entry) && toBoolean(getAttribute(entry, 'primary')) === true,
  );
  const chosen = primary ?? entries[0];
  return isObject(chosen) ? getAttribute(chosen, 'value') : chosen;
};

/** A comparator over rendered resources for `sortBy`; absent values sort last in ascending order. */
export const sortComparator = (
  resourceType: ResourceTypeDefinition,
  sortBy: AttributePath,
  order: 'ascending' | 'descending',
): ((a: JsonObject, b: JsonObject) => number) => {
  const resolved = resolvePath(resourceType, sortBy, { lenient: false, errorType: 'invalidValue' });
  const { attribute, sub } = resolved;
  const definition = sub ?? attribute;
  if (definition.type === 'complex' && !attribute.multiValued) {
    throw ScimError.badRequest('invalidValue', `Cannot sort by the complex attribute "${attribute.name}".`);
  }
  const read = (resource: JsonObject): unknown => {
    const holder = containerOf(resource, resolved.extension);
    const value = holder === undefined ? undefined : getAttribute(holder, attribute.name);
    if (sub === undefined) return value;
    if (Array.isArray(value))
      return value.map((entry) => (isObject(entry) ? getAttribute(entry, sub.name) : undefined));
    return isObject(value) ? getAttribute(value, sub.name) : undefined;
  };
  const normalize = (value: unknown): string | number | undefined => {
    if (typeof value === 'number') return value;
    if (typeof value === 'boolean') return value ? 1 : 0;
    if (typeof value !== 'string') return undefined;
    if (definition.type === 'dateTime') {
      const millis = Date.parse(value);
      return Number.isNaN(millis) ? undefined : millis;
    }
    return definition.caseExact ? value : value.toLowerCase();
  };
  const direction = order === 'ascending' ? 1 : -1;
  return (a, b) => {
    const left = normalize(sortKey(a, read));
    const right = normalize(sortKey(b, read));
    if (left === undefined || right === undefined) {
      if (left === right) return 0;
      return (left === undefined ? 1 : -1) * direction;
    }
    return (left < right ? -1 : left > right ? 1 : 0) * direction;
  };
};

/** Does the filter mention the attribute (e.g. `members`), so the resource must carry it to be evaluated? */
export const filterMentions = (node: FilterNode | undefined, name: string): boolean => {
  if (node === undefined) return false;
  const wanted = name.toLowerCase();
  switch (node.kind) {
    case 'and':
    case 'or':
      return filterMentions(node.left, name) || filterMentions(node.right, name);
    case 'not':
      return filterMentions(node.operand, name);
    case 'compare':
    case 'present':
    case 'valuePath':
      return node.path.name.toLowerCase() === wanted;
  }
};

export interface ListResponse {
  readonly schemas: readonly [typeof SCHEMA.listResponse];
  readonly totalResults: number;
  readonly startIndex: number;
  readonly itemsPerPage: number;
  readonly Resources: readonly JsonObject[];
}

export const listResponse = (
  totalResults: number,
  startIndex: number,
  resources: readonly JsonObject[],
): ListResponse => ({
  schemas: [SCHEMA.listResponse],
  totalResults,
  startIndex,
  itemsPerPage: resources.length,
  Resources: resources,
});
