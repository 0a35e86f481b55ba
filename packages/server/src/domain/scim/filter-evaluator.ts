import type { AttributePath, CompareOperator, FilterNode, FilterValue } from './filter-parser.js';
import { clip } from './filter-parser.js';
import { asArray, getAttribute, isObject, isPresent, toBoolean, type JsonObject } from './json.js';
import {
  findAttribute,
  findSubAttribute,
  isSchemaUri,
  unknownAttribute,
  type AttributeDefinition,
  type ResourceTypeDefinition,
} from './resource-schemas.js';
import { ScimError, type ScimErrorType } from './scim-error.js';

/** A compiled filter: true when the resource (or, inside a value path, the entry) matches. */
export type Predicate = (container: JsonObject) => boolean;

export interface CompileOptions {
  /**
   * Strict (list filters): an attribute Cutoff does not support is a 400 `invalidFilter`.
   * Lenient (PATCH value paths): it is compared like a case-insensitive string.
   */
  readonly lenient: boolean;
  /** The scimType reported for a bad filter: `invalidFilter`, or `invalidPath` inside PATCH paths. */
  readonly errorType?: ScimErrorType;
}

/** Where an attribute path points in a resource, with the definition of what it holds. */
export interface ResolvedPath {
  /** Set for an extension attribute: the key of the extension object in the resource. */
  readonly extension: string | undefined;
  readonly attribute: AttributeDefinition;
  readonly sub: AttributeDefinition | undefined;
  /** True when Cutoff does not know (and will not store) the attribute. */
  readonly unknown: boolean;
}

/** Resolves `[uri:]name[.sub]` against a resource type; see `CompileOptions.lenient`. */
export const resolvePath = (
  resourceType: ResourceTypeDefinition,
  path: AttributePath,
  options: CompileOptions,
): ResolvedPath => {
  const errorType = options.errorType ?? 'invalidFilter';
  const text = `${path.uri === undefined ? '' : `${path.uri}:`}${path.name}${path.sub === undefined ? '' : `.${path.sub}`}`;
  const unsupported = (): ScimError =>
    ScimError.badRequest(errorType, `The attribute "${clip(text)}" is not supported.`);
  const core = path.uri === undefined || isSchemaUri(path.uri, resourceType.schema.id);
  const known = core ? findAttribute(resourceType, path.name) : undefined;
  if (known === undefined) {
    if (!options.lenient) throw unsupported();
    const attribute = unknownAttribute(path.name);
    return {
      extension: core ? undefined : path.uri,
      attribute,
      sub: path.sub === undefined ? undefined : unknownAttribute(path.sub),
      unknown: true,
    };
  }
  if (path.sub === undefined)
    return { extension: undefined, attribute: known, sub: undefined, unknown: false };
  const sub = findSubAttribute(known, path.sub);
  if (sub === undefined) {
    if (!options.lenient || known.subAttributes === undefined) throw unsupported();
    return { extension: undefined, attribute: known, sub: unknownAttribute(path.sub), unknown: true };
  }
  return { extension: undefined, attribute: known, sub, unknown: false };
};

/** The object an attribute lives in: the resource, or its extension object. */
export const containerOf = (resource: JsonObject, extension: string | undefined): JsonObject | undefined => {
  if (extension === undefined) return resource;
  const value = getAttribute(resource, extension);
  return isObject(value) ? value : undefined;
};

/** What a condition compares against: the definition of the values and how to read them. */
interface Operand {
  readonly definition: AttributeDefinition;
  readonly unknown: boolean;
  /** The values compared (multi-valued: one per entry; complex entries: their `value`). */
  readonly values: (container: JsonObject) => readonly unknown[];
  /** The raw value(s) for `pr`. */
  readonly raw: (container: JsonObject) => unknown;
}

type OperandResolver = (path: AttributePath) => Operand;

const operandFor = (resolved: ResolvedPath): Operand => {
  const { attribute, sub, extension } = resolved;
  const raw = (container: JsonObject): unknown => {
    const holder = containerOf(container, extension);
    return holder === undefined ? undefined : getAttribute(holder, attribute.name);
  };
  if (sub !== undefined) {
    return {
      definition: sub,
      unknown: resolved.unknown,
      values: (container) =>
        asArray(raw(container)).flatMap((entry) => (isObject(entry) ? [getAttribute(entry, sub.name)] : [])),
      raw: (container) =>
        asArray(raw(container)).flatMap((entry) => (isObject(entry) ? [getAttribute(entry, sub.name)] : [])),
    };
  }
  if (attribute.type === 'complex') {
    // A multi-valued complex attribute compares its entries' `value` (RFC 7644 section 3.4.2.2).
    const value = attribute.multiValued ? findSubAttribute(attribute, 'value') : undefined;
    if (value === undefined) {
      // Only `pr` applies; comparisons are refused when the filter is compiled.
      return { definition: attribute, unknown: resolved.unknown, values: () => [], raw };
    }
    return {
      definition: value,
      unknown: resolved.unknown,
      values: (container) =>
        asArray(raw(container)).map((entry) => (isObject(entry) ? getAttribute(entry, 'value') : entry)),
      raw,
    };
  }
  return {
    definition: attribute,
    unknown: resolved.unknown,
    values: (container) => asArray(raw(container)),
    raw,
  };
};

const pathText = (path: AttributePath): string =>
  `${path.uri === undefined ? '' : `${path.uri}:`}${path.name}${path.sub === undefined ? '' : `.${path.sub}`}`;

type Comparer = (actual: unknown) => boolean;

const ORDERING: readonly CompareOperator[] = ['gt', 'ge', 'lt', 'le'];

const ordered = (op: CompareOperator, difference: number): boolean => {
  switch (op) {
    case 'gt':
      return difference > 0;
    case 'ge':
      return difference >= 0;
    case 'lt':
      return difference < 0;
    case 'le':
      return difference <= 0;
    case 'eq':
    case 'ne':
    case 'co':
    case 'sw':
    case 'ew':
      return difference === 0;
  }
};

const stringComparer = (op: CompareOperator, expected: string, caseExact: boolean): Comparer => {
  const normalize = (value: string): string => (caseExact ? value : value.toLowerCase());
  const wanted = normalize(expected);
  return (actual) => {
    if (typeof actual !== 'string') return false;
    const value = normalize(actual);
    switch (op) {
      case 'eq':
      case 'ne':
        return value === wanted;
      case 'co':
        return value.includes(wanted);
      case 'sw':
        return value.startsWith(wanted);
      case 'ew':
        return value.endsWith(wanted);
      case 'gt':
      case 'ge':
      case 'lt':
      case 'le':
        return ordered(op, value < wanted ? -1 : value > wanted ? 1 : 0);
    }
  };
};

const toMillis = (value: unknown): number | undefined => {
  if (typeof value !== 'string') return undefined;
  const millis = Date.parse(value);
  return Number.isNaN(millis) ? undefined : millis;
};

type ComparisonKind = 'boolean' | 'number' | 'dateTime' | 'complex' | 'string';

/** How values are compared: by the attribute's type, or by the filter value's for unknown attributes. */
const comparisonKind = (operand: Operand, expected: FilterValue): ComparisonKind => {
  if (operand.unknown) {
    if (typeof expected === 'boolean') return 'boolean';
    if (typeof expected === 'number') return 'number';
    return 'string';
  }
  switch (operand.definition.type) {
    case 'boolean':
      return 'boolean';
    case 'integer':
    case 'decimal':
      return 'number';
    case 'dateTime':
      return 'dateTime';
    case 'complex':
      return 'complex';
    case 'string':
    case 'reference':
      return 'string';
  }
};

/** Builds the comparison of one value against the filter's value; `ne` is the negation of `eq`. */
const comparerFor = (
  operand: Operand,
  op: CompareOperator,
  expected: FilterValue,
  invalid: (detail: string) => ScimError,
): Comparer => {
  const { definition } = operand;
  switch (comparisonKind(operand, expected)) {
    case 'boolean': {
      const wanted = toBoolean(expected);
      if (wanted === undefined)
        throw invalid(`"${definition.name}" is a boolean; compare it with true or false.`);
      if (op !== 'eq' && op !== 'ne') throw invalid(`"${op}" cannot compare a boolean.`);
      return (actual) => toBoolean(actual) === wanted;
    }
    case 'number': {
      if (typeof expected !== 'number')
        throw invalid(`"${definition.name}" is a number; compare it with a number.`);
      if (!ORDERING.includes(op) && op !== 'eq' && op !== 'ne')
        throw invalid(`"${op}" cannot compare a number.`);
      return (actual) => typeof actual === 'number' && ordered(op, actual - expected);
    }
    case 'dateTime': {
      if (typeof expected !== 'string')
        throw invalid(`"${definition.name}" is a date; compare it with a string.`);
      const wanted = toMillis(expected);
      if (ORDERING.includes(op) || op === 'eq' || op === 'ne') {
        if (wanted === undefined) throw invalid(`"${clip(expected, 40)}" is not a date.`);
        return (actual) => {
          const value = toMillis(actual);
          return value !== undefined && ordered(op, value - wanted);
        };
      }
      return stringComparer(op, expected, true);
    }
    case 'complex':
      throw invalid(`"${definition.name}" is complex; compare one of its sub-attributes.`);
    case 'string': {
      if (typeof expected !== 'string')
        throw invalid(`"${definition.name}" is a string; compare it with a string.`);
      return stringComparer(op, expected, definition.caseExact);
    }
  }
};

const compileNode = (
  node: FilterNode,
  resolve: OperandResolver,
  compileValuePath: (path: AttributePath, filter: FilterNode) => Predicate,
  invalid: (detail: string) => ScimError,
): Predicate => {
  switch (node.kind) {
    case 'and': {
      const left = compileNode(node.left, resolve, compileValuePath, invalid);
      const right = compileNode(node.right, resolve, compileValuePath, invalid);
      return (container) => left(container) && right(container);
    }
    case 'or': {
      const left = compileNode(node.left, resolve, compileValuePath, invalid);
      const right = compileNode(node.right, resolve, compileValuePath, invalid);
      return (container) => left(container) || right(container);
    }
    case 'not': {
      const operand = compileNode(node.operand, resolve, compileValuePath, invalid);
      return (container) => !operand(container);
    }
    case 'present': {
      const operand = resolve(node.path);
      return (container) => isPresent(operand.raw(container));
    }
    case 'valuePath':
      return compileValuePath(node.path, node.filter);
    case 'compare': {
      const operand = resolve(node.path);
      if (node.value === null) {
        // `eq null`: the attribute is absent; `ne null`: present. Other operators need a value.
        if (node.op !== 'eq' && node.op !== 'ne') throw invalid(`"${node.op}" cannot compare with null.`);
        const wantPresent = node.op === 'ne';
        return (container) => isPresent(operand.raw(container)) === wantPresent;
      }
      if (operand.definition.type === 'complex' && !operand.unknown) {
        throw invalid(`"${pathText(node.path)}" is complex; compare one of its sub-attributes.`);
      }
      const comparer = comparerFor(operand, node.op, node.value, invalid);
      const any = (container: JsonObject): boolean => operand.values(container).some(comparer);
      return node.op === 'ne' ? (container) => !any(container) : any;
    }
  }
};

/**
 * Checks a parsed filter against the resource type's attributes and compiles it. Throws
 * `ScimError` 400 (`invalidFilter` by default) for unknown attributes or a comparison the
 * attribute's type does not allow. String comparisons follow each attribute's `caseExact`.
 */
export const compileFilter = (
  node: FilterNode,
  resourceType: ResourceTypeDefinition,
  options: CompileOptions,
): Predicate => {
  const errorType = options.errorType ?? 'invalidFilter';
  const invalid = (detail: string): ScimError => ScimError.badRequest(errorType, detail);
  const resolve: OperandResolver = (path) => operandFor(resolvePath(resourceType, path, options));
  const compileValuePath = (path: AttributePath, filter: FilterNode): Predicate => {
    const resolved = resolvePath(resourceType, path, options);
    return entryPredicate(resolved, filter, options);
  };
  return compileNode(node, resolve, compileValuePath, invalid);
};

/**
 * A predicate over one entry of a multi-valued complex attribute (the filter inside
 * `emails[...]`), and the resource-level predicate "some entry matches".
 */
export const compileEntryFilter = (
  resolved: ResolvedPath,
  filter: FilterNode,
  options: CompileOptions,
): Predicate => {
  const errorType = options.errorType ?? 'invalidFilter';
  const invalid = (detail: string): ScimError => ScimError.badRequest(errorType, detail);
  const { attribute } = resolved;
  if (resolved.sub !== undefined || (attribute.type !== 'complex' && !resolved.unknown)) {
    throw invalid(`"${attribute.name}" has no entries to filter.`);
  }
  const resolveSub: OperandResolver = (path) => {
    if (path.uri !== undefined || path.sub !== undefined) {
      throw invalid(`"${pathText(path)}" is not a sub-attribute of "${attribute.name}".`);
    }
    const known = findSubAttribute(attribute, path.name);
    if (known === undefined && !(options.lenient || resolved.unknown)) {
      throw invalid(`"${attribute.name}" has no sub-attribute "${clip(path.name)}".`);
    }
    const definition = known ?? unknownAttribute(path.name);
    return {
      definition,
      unknown: known === undefined,
      values: (entry) => asArray(getAttribute(entry, definition.name)),
      raw: (entry) => getAttribute(entry, definition.name),
    };
  };
  const noNesting = (): Predicate => {
    throw invalid('Value filters cannot nest.');
  };
  return compileNode(filter, resolveSub, noNesting, invalid);
};

const entryPredicate = (resolved: ResolvedPath, filter: FilterNode, options: CompileOptions): Predicate => {
  const matches = compileEntryFilter(resolved, filter, options);
  return (resource) => {
    const holder = containerOf(resource, resolved.extension);
    if (holder === undefined) return false;
    return asArray(getAttribute(holder, resolved.attribute.name)).some(
      (entry) => isObject(entry) && matches(entry),
    );
  };
};
