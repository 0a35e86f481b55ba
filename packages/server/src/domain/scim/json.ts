/** Helpers for SCIM resources as plain JSON, whose attribute names are case-insensitive. */

export type JsonObject = Record<string, unknown>;

export const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The key of `object` that names `name` case-insensitively (the exact match first). */
export const keyOf = (object: JsonObject, name: string): string | undefined => {
  if (Object.hasOwn(object, name)) return name;
  const wanted = name.toLowerCase();
  return Object.keys(object).find((key) => key.toLowerCase() === wanted);
};

export const getAttribute = (object: JsonObject, name: string): unknown => {
  const key = keyOf(object, name);
  return key === undefined ? undefined : object[key];
};

/** Sets `name`, replacing any key that names it in another case. */
export const setAttribute = (object: JsonObject, name: string, value: unknown): void => {
  const key = keyOf(object, name);
  if (key !== undefined && key !== name) delete object[key];
  // defineProperty: a key such as `__proto__` stays a plain property.
  Object.defineProperty(object, name, { value, enumerable: true, writable: true, configurable: true });
};

export const deleteAttribute = (object: JsonObject, name: string): void => {
  const key = keyOf(object, name);
  if (key !== undefined) delete object[key];
};

export const asArray = (value: unknown): readonly unknown[] => {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
};

export const deepEqual = (a: unknown, b: unknown): boolean => {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((item, index) => deepEqual(item, b[index]));
  }
  if (isObject(a) && isObject(b)) {
    const keys = Object.keys(a);
    return (
      keys.length === Object.keys(b).length &&
      keys.every((key) => Object.hasOwn(b, key) && deepEqual(a[key], b[key]))
    );
  }
  return false;
};

export const cloneJson = <T>(value: T): T => structuredClone(value);

/** RFC 7644 `pr`: a non-null, non-empty value (an empty string, array or object is absent). */
export const isPresent = (value: unknown): boolean => {
  if (value === undefined || value === null) return false;
  if (typeof value === 'string') return value.length > 0;
  if (Array.isArray(value)) return value.some(isPresent);
  if (isObject(value)) return Object.values(value).some(isPresent);
  return true;
};

/**
 * Booleans as identity providers send them: `true`, or the strings `"True"` / `"false"` that
 * Microsoft Entra sends. Undefined for anything else.
 */
export const toBoolean = (value: unknown): boolean | undefined => {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') {
    const lowered = value.trim().toLowerCase();
    if (lowered === 'true') return true;
    if (lowered === 'false') return false;
  }
  return undefined;
};
