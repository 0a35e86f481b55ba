import { compileEntryFilter, resolvePath, type Predicate, type ResolvedPath } from './filter-evaluator.js';
import { clip, parseAttributePath, parseValueFilter, type FilterNode } from './filter-parser.js';
import {
  asArray,
  cloneJson,
  deepEqual,
  deleteAttribute,
  getAttribute,
  isObject,
  setAttribute,
  toBoolean,
  type JsonObject,
} from './json.js';
import {
  findSubAttribute,
  isSchemaUri,
  SCHEMA,
  unknownAttribute,
  type AttributeDefinition,
  type ResourceTypeDefinition,
} from './resource-schemas.js';
import { ScimError } from './scim-error.js';

/**
 * RFC 7644 section 3.5.2 PATCH, applied to a resource as JSON. Tolerates what identity
 * providers send: capitalized ops (`"Replace"`), no-path values with dotted or URN-prefixed keys,
 * read-only attributes echoed in a value (ignored), and a `remove` of `members` carrying the
 * entries to remove in `value` (Microsoft Entra).
 */

export type PatchOpName = 'add' | 'remove' | 'replace';

export interface PatchOperation {
  readonly op: PatchOpName;
  readonly path: string | undefined;
  readonly value: unknown;
}

export const MAX_PATCH_OPERATIONS = 1000;
const MAX_PATH_LENGTH = 1024;

const invalidSyntax = (detail: string): ScimError => ScimError.badRequest('invalidSyntax', detail);
const invalidPath = (detail: string): ScimError => ScimError.badRequest('invalidPath', detail);
const invalidValue = (detail: string): ScimError => ScimError.badRequest('invalidValue', detail);

/** Validates a PatchOp request body and returns its operations. */
export const parsePatchRequest = (body: unknown): readonly PatchOperation[] => {
  if (!isObject(body)) throw invalidSyntax('The request body must be a PatchOp JSON object.');
  const schemas = getAttribute(body, 'schemas');
  if (schemas !== undefined) {
    if (
      !Array.isArray(schemas) ||
      !schemas.some((schema) => typeof schema === 'string' && isSchemaUri(schema, SCHEMA.patchOp))
    ) {
      throw invalidSyntax(`"schemas" must contain "${SCHEMA.patchOp}".`);
    }
  }
  const operations = getAttribute(body, 'Operations');
  if (!Array.isArray(operations) || operations.length === 0) {
    throw invalidSyntax('"Operations" must be a non-empty array.');
  }
  if (operations.length > MAX_PATCH_OPERATIONS) {
    throw invalidSyntax(`At most ${MAX_PATCH_OPERATIONS} operations per request.`);
  }
  return operations.map((operation, index): PatchOperation => {
    if (!isObject(operation)) throw invalidSyntax(`Operation ${index + 1} must be an object.`);
    const op = getAttribute(operation, 'op');
    const name = typeof op === 'string' ? op.toLowerCase() : undefined;
    if (name !== 'add' && name !== 'remove' && name !== 'replace') {
      throw invalidSyntax(`Operation ${index + 1}: "op" must be add, remove or replace.`);
    }
    const path = getAttribute(operation, 'path');
    if (path !== undefined && path !== null && typeof path !== 'string') {
      throw invalidPath(`Operation ${index + 1}: "path" must be a string.`);
    }
    const value = getAttribute(operation, 'value');
    if (name !== 'remove' && value === undefined) {
      throw invalidValue(`Operation ${index + 1}: "${name}" needs a "value".`);
    }
    return {
      op: name,
      path: typeof path === 'string' && path.trim() !== '' ? path.trim() : undefined,
      value,
    };
  });
};

interface PatchTarget {
  readonly resolved: ResolvedPath;
  /** `emails[type eq "work"]`: the entries the operation applies to. */
  readonly filter: { readonly node: FilterNode; readonly matches: Predicate } | undefined;
  /** The sub-attribute after a value filter (`emails[type eq "work"].value`). */
  readonly subAfterFilter: AttributeDefinition | undefined;
}

/** The `]` that closes the value filter starting after `open`, skipping quoted strings. */
const closingBracket = (text: string, open: number): number => {
  let inString = false;
  for (let index = open + 1; index < text.length; index += 1) {
    const char = text[index];
    if (inString) {
      if (char === '\\') index += 1;
      else if (char === '"') inString = false;
    } else if (char === '"') inString = true;
    else if (char === ']') return index;
  }
  return -1;
};

const parseTarget = (text: string, resourceType: ResourceTypeDefinition): PatchTarget => {
  if (text.length > MAX_PATH_LENGTH) throw invalidPath('The path is too long.');
  const options = { lenient: true, errorType: 'invalidPath' } as const;
  const open = text.indexOf('[');
  if (open < 0) {
    return {
      resolved: resolvePath(resourceType, parseAttributePath(text, 'invalidPath'), options),
      filter: undefined,
      subAfterFilter: undefined,
    };
  }
  const close = closingBracket(text, open);
  if (close < 0) throw invalidPath(`Unclosed value filter in "${clip(text)}".`);
  const path = parseAttributePath(text.slice(0, open), 'invalidPath');
  if (path.sub !== undefined) throw invalidPath(`Invalid value path "${clip(text)}".`);
  const resolved = resolvePath(resourceType, path, options);
  const node = parseValueFilter(text.slice(open + 1, close));
  const matches = compileEntryFilter(resolved, node, options);
  const rest = text.slice(close + 1);
  let subAfterFilter: AttributeDefinition | undefined;
  if (rest !== '') {
    const sub = /^\.([A-Za-z$][A-Za-z0-9_$-]*)$/.exec(rest)?.[1];
    if (sub === undefined) throw invalidPath(`Invalid path "${clip(text)}".`);
    subAfterFilter = findSubAttribute(resolved.attribute, sub) ?? unknownAttribute(sub);
  }
  return { resolved, filter: { node, matches }, subAfterFilter };
};

/** `type eq "work" and primary eq true` -> `{type: "work", primary: true}`: the entry a filter describes. */
const seedOf = (node: FilterNode): JsonObject | undefined => {
  if (node.kind === 'compare' && node.op === 'eq' && node.value !== null && node.path.uri === undefined) {
    return node.path.sub === undefined ? { [node.path.name]: node.value } : undefined;
  }
  if (node.kind === 'and') {
    const left = seedOf(node.left);
    const right = seedOf(node.right);
    return left === undefined || right === undefined ? undefined : { ...left, ...right };
  }
  return undefined;
};

/** Merges `source` into `target` attribute by attribute (names case-insensitive). */
const mergeInto = (target: JsonObject, source: JsonObject): JsonObject => {
  for (const [key, value] of Object.entries(source)) setAttribute(target, key, cloneJson(value));
  return target;
};

/** Same entry: equal `value`s for entries that have one, else deep equality. */
const sameEntry = (a: unknown, b: unknown): boolean => {
  if (isObject(a) && isObject(b)) {
    const left = getAttribute(a, 'value');
    const right = getAttribute(b, 'value');
    if (left !== undefined && right !== undefined) return deepEqual(left, right);
  }
  return deepEqual(a, b);
};

/** A new primary entry demotes the others (RFC 7643 section 2.4: at most one primary). */
const demoteOthers = (entries: unknown[], primary: unknown): void => {
  if (!isObject(primary) || toBoolean(getAttribute(primary, 'primary')) !== true) return;
  for (const entry of entries) {
    if (entry !== primary && isObject(entry) && getAttribute(entry, 'primary') !== undefined) {
      setAttribute(entry, 'primary', false);
    }
  }
};

const writeEntries = (container: JsonObject, name: string, entries: unknown[]): void => {
  if (entries.length === 0) deleteAttribute(container, name);
  else setAttribute(container, name, entries);
};

class Patcher {
  readonly #resource: JsonObject;
  readonly #resourceType: ResourceTypeDefinition;

  constructor(resource: JsonObject, resourceType: ResourceTypeDefinition) {
    this.#resource = resource;
    this.#resourceType = resourceType;
  }

  apply(operation: PatchOperation): void {
    const { op, path, value } = operation;
    if (path === undefined || isSchemaUri(path, this.#resourceType.schema.id)) {
      if (op === 'remove') throw ScimError.badRequest('noTarget', '"remove" needs a "path".');
      this.#applyValueObject(op, value);
      return;
    }
    if (this.#isExtensionUri(path)) {
      this.#applyExtension(op, path, value);
      return;
    }
    const target = parseTarget(path, this.#resourceType);
    if (target.resolved.attribute.mutability === 'readOnly' && !target.resolved.unknown) {
      throw ScimError.badRequest('mutability', `"${target.resolved.attribute.name}" is read-only.`);
    }
    this.#applyTarget(op, target, value);
  }

  /** `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User`: a whole extension object. */
  #isExtensionUri(key: string): boolean {
    const lowered = key.toLowerCase();
    return lowered.startsWith('urn:') && lowered.endsWith(`:${this.#resourceType.name.toLowerCase()}`);
  }

  /** Extension attributes are kept under the extension key while patching (Cutoff stores none). */
  #applyExtension(op: PatchOpName, key: string, value: unknown): void {
    if (op === 'remove') {
      deleteAttribute(this.#resource, key);
      return;
    }
    if (!isObject(value)) throw invalidValue(`"${clip(key)}" needs an object "value".`);
    const current = getAttribute(this.#resource, key);
    setAttribute(this.#resource, key, mergeInto(op === 'add' && isObject(current) ? current : {}, value));
  }

  /** No path: every attribute of the value is its own target (`{"active": false}`). */
  #applyValueObject(op: 'add' | 'replace', value: unknown): void {
    if (!isObject(value)) throw invalidValue(`Without a "path", "${op}" needs an object "value".`);
    for (const [key, attributeValue] of Object.entries(value)) {
      if (key.toLowerCase() === 'schemas') continue;
      if (isSchemaUri(key, this.#resourceType.schema.id)) {
        this.#applyValueObject(op, attributeValue);
        continue;
      }
      if (this.#isExtensionUri(key)) {
        this.#applyExtension(op, key, attributeValue);
        continue;
      }
      // Keys may be paths too: `name.givenName`, `urn:...:enterprise:2.0:User:department`.
      const target = parseTarget(key, this.#resourceType);
      // Read-only attributes echoed back (Okta sends the group `id` in a rename) are ignored.
      if (target.resolved.attribute.mutability === 'readOnly' && !target.resolved.unknown) continue;
      this.#applyTarget(op, target, attributeValue);
    }
  }

  #container(resolved: ResolvedPath, create: boolean): JsonObject | undefined {
    if (resolved.extension === undefined) return this.#resource;
    const current = getAttribute(this.#resource, resolved.extension);
    if (isObject(current)) return current;
    if (!create) return undefined;
    const created: JsonObject = {};
    setAttribute(this.#resource, resolved.extension, created);
    return created;
  }

  #applyTarget(op: PatchOpName, target: PatchTarget, value: unknown): void {
    const { resolved } = target;
    const container = this.#container(resolved, op !== 'remove');
    if (container === undefined) return;
    const name = resolved.attribute.name;
    const current = getAttribute(container, name);
    if (target.filter !== undefined) {
      this.#applyFiltered(op, container, name, target, value);
      return;
    }
    const multiValued =
      resolved.attribute.multiValued ||
      (resolved.unknown && (Array.isArray(current) || Array.isArray(value)));
    if (resolved.sub !== undefined) {
      this.#applySub(op, container, name, multiValued, resolved.sub.name, value);
      return;
    }
    if (op === 'remove') {
      if (multiValued && value !== undefined && value !== null) {
        // Remove only the given entries (Microsoft Entra: `"path": "members", "value": [{"value": id}]`).
        const removed = asArray(value);
        const kept = asArray(current).filter((entry) => !removed.some((gone) => sameEntry(entry, gone)));
        writeEntries(container, name, kept);
      } else deleteAttribute(container, name);
      return;
    }
    if (multiValued) {
      const incoming = asArray(value).map((entry) => cloneJson(entry));
      const entries = op === 'replace' ? [] : [...asArray(current)];
      for (const entry of incoming) {
        const existing = entries.find((candidate) => sameEntry(candidate, entry));
        if (existing !== undefined && isObject(existing) && isObject(entry)) mergeInto(existing, entry);
        else if (existing === undefined) entries.push(entry);
        demoteOthers(entries, existing ?? entry);
      }
      writeEntries(container, name, entries);
      return;
    }
    if (resolved.attribute.type === 'complex' && isObject(value)) {
      // RFC 7644: sub-attributes not given in the value stay as they were.
      setAttribute(container, name, mergeInto(isObject(current) ? current : {}, value));
      return;
    }
    setAttribute(container, name, cloneJson(value));
  }

  /** `name.givenName`, or `emails.value` (every entry). */
  #applySub(
    op: PatchOpName,
    container: JsonObject,
    name: string,
    multiValued: boolean,
    sub: string,
    value: unknown,
  ): void {
    const current = getAttribute(container, name);
    if (multiValued) {
      const entries = asArray(current).filter(isObject);
      if (op === 'remove') for (const entry of entries) deleteAttribute(entry, sub);
      else if (entries.length === 0) entries.push({ [sub]: cloneJson(value) });
      else for (const entry of entries) setAttribute(entry, sub, cloneJson(value));
      writeEntries(container, name, entries);
      return;
    }
    const object = isObject(current) ? current : {};
    if (op === 'remove') deleteAttribute(object, sub);
    else setAttribute(object, sub, cloneJson(value));
    if (Object.keys(object).length === 0) deleteAttribute(container, name);
    else setAttribute(container, name, object);
  }

  /** `members[value eq "x"]`, `emails[type eq "work"].value`. */
  #applyFiltered(
    op: PatchOpName,
    container: JsonObject,
    name: string,
    target: PatchTarget,
    value: unknown,
  ): void {
    const { filter, subAfterFilter } = target;
    if (filter === undefined) return;
    const entries = [...asArray(getAttribute(container, name))];
    const matched = entries.filter((entry): entry is JsonObject => isObject(entry) && filter.matches(entry));
    if (op === 'remove') {
      if (subAfterFilter !== undefined)
        for (const entry of matched) deleteAttribute(entry, subAfterFilter.name);
      writeEntries(
        container,
        name,
        subAfterFilter === undefined
          ? entries.filter((entry) => !matched.includes(entry as JsonObject))
          : entries,
      );
      return;
    }
    if (subAfterFilter === undefined && !isObject(value)) {
      throw invalidValue(`"${op}" on a value filter needs an object "value".`);
    }
    if (matched.length === 0) {
      // Nothing matches: create the entry the filter describes (Microsoft Entra sends
      // `"op": "Add", "path": "emails[type eq \"work\"].value"` for a user without one).
      const seed = seedOf(filter.node);
      if (seed === undefined) {
        throw ScimError.badRequest('noTarget', `No entry of "${name}" matches the path's filter.`);
      }
      const entry: JsonObject =
        subAfterFilter === undefined
          ? mergeInto(seed, value as JsonObject)
          : mergeInto(seed, { [subAfterFilter.name]: value });
      entries.push(entry);
      demoteOthers(entries, entry);
      writeEntries(container, name, entries);
      return;
    }
    for (const entry of matched) {
      if (subAfterFilter !== undefined) setAttribute(entry, subAfterFilter.name, cloneJson(value));
      else if (op === 'add') mergeInto(entry, value as JsonObject);
      else {
        for (const key of Object.keys(entry)) delete entry[key];
        mergeInto(entry, value as JsonObject);
      }
      demoteOthers(entries, entry);
    }
    writeEntries(container, name, entries);
  }
}

/**
 * Applies the operations in order to a copy of the resource and returns it. All or nothing:
 * the first invalid operation throws a `ScimError` and the caller stores nothing.
 */
export const applyPatch = (
  resource: JsonObject,
  operations: readonly PatchOperation[],
  resourceType: ResourceTypeDefinition,
): JsonObject => {
  const copy = cloneJson(resource);
  const patcher = new Patcher(copy, resourceType);
  for (const operation of operations) patcher.apply(operation);
  return copy;
};
