import { parseAttributePath, type AttributePath } from './filter-parser.js';
import { deleteAttribute, getAttribute, isObject, keyOf, type JsonObject } from './json.js';
import { findAttribute, isSchemaUri, type ResourceTypeDefinition } from './resource-schemas.js';
import { ScimError } from './scim-error.js';

/**
 * The `attributes` / `excludedAttributes` parameters (RFC 7644 section 3.4.2.5): which
 * attributes a response carries. `id` and `schemas` are always returned.
 */
export interface Projection {
  readonly attributes: readonly AttributePath[] | undefined;
  readonly excludedAttributes: readonly AttributePath[] | undefined;
}

const MAX_ATTRIBUTES = 100;

/** Parses a comma-separated attribute list (`userName,name.givenName`); absent or empty: undefined. */
export const parseAttributeList = (
  value: unknown,
  parameter: string,
): readonly AttributePath[] | undefined => {
  if (value === undefined || value === null) return undefined;
  const items = Array.isArray(value) ? value : typeof value === 'string' ? value.split(',') : undefined;
  if (items === undefined || items.some((item) => typeof item !== 'string')) {
    throw ScimError.badRequest(
      'invalidValue',
      `"${parameter}" must be a comma-separated list of attributes.`,
    );
  }
  const paths = (items as string[]).map((item) => item.trim()).filter((item) => item !== '');
  if (paths.length === 0) return undefined;
  if (paths.length > MAX_ATTRIBUTES) {
    throw ScimError.badRequest(
      'invalidValue',
      `"${parameter}" lists more than ${MAX_ATTRIBUTES} attributes.`,
    );
  }
  return paths.map((path) => parseAttributePath(path, 'invalidValue'));
};

/** The attribute a path names in this resource type, or undefined for another schema. */
const scoped = (resourceType: ResourceTypeDefinition, path: AttributePath): AttributePath | undefined =>
  path.uri === undefined || isSchemaUri(path.uri, resourceType.schema.id) ? path : undefined;

const isAlwaysReturned = (resourceType: ResourceTypeDefinition, key: string): boolean =>
  key.toLowerCase() === 'schemas' || findAttribute(resourceType, key)?.returned === 'always';

const keepOnly = (object: JsonObject, names: readonly string[]): void => {
  const wanted = new Set(names.map((name) => name.toLowerCase()));
  for (const key of Object.keys(object)) if (!wanted.has(key.toLowerCase())) delete object[key];
};

/** Applies a projection to a rendered resource (modified in place and returned). */
export const project = (
  resource: JsonObject,
  projection: Projection,
  resourceType: ResourceTypeDefinition,
): JsonObject => {
  const { attributes, excludedAttributes } = projection;
  if (attributes !== undefined) {
    const requested = attributes.flatMap((path) => {
      const inScope = scoped(resourceType, path);
      return inScope === undefined ? [] : [inScope];
    });
    const subs = new Map<string, string[]>();
    const whole = new Set<string>();
    for (const path of requested) {
      const name = path.name.toLowerCase();
      if (path.sub === undefined) whole.add(name);
      else subs.set(name, [...(subs.get(name) ?? []), path.sub]);
    }
    for (const key of Object.keys(resource)) {
      const name = key.toLowerCase();
      if (isAlwaysReturned(resourceType, key) || whole.has(name)) continue;
      const wantedSubs = subs.get(name);
      if (wantedSubs === undefined) {
        delete resource[key];
        continue;
      }
      const value = resource[key];
      if (Array.isArray(value)) {
        for (const entry of value) if (isObject(entry)) keepOnly(entry, wantedSubs);
      } else if (isObject(value)) keepOnly(value, wantedSubs);
    }
  }
  for (const path of excludedAttributes ?? []) {
    const inScope = scoped(resourceType, path);
    if (inScope === undefined) continue;
    const key = keyOf(resource, inScope.name);
    if (key === undefined || isAlwaysReturned(resourceType, key)) continue;
    if (inScope.sub === undefined) {
      delete resource[key];
      continue;
    }
    const value = getAttribute(resource, key);
    const entries = Array.isArray(value) ? value : [value];
    for (const entry of entries) if (isObject(entry)) deleteAttribute(entry, inScope.sub);
  }
  return resource;
};
