import { createHash } from 'node:crypto';
import type { RevocationReason } from '@cutoff/guard/rule';
import { NAME_PATTERN } from '../claims.js';
import type { Condition, HookMapping, HookSource, UserLookup } from './hooks-config.js';

/*
 * Pure evaluation of a verified payload against a source's mappings: the first mapping whose
 * conditions (and, for incidents, severity threshold) hold decides what happens.
 */

const MAX_EVENT_ID_LENGTH = 256;
const MAX_USER_VALUE_LENGTH = 320;
const MAX_ROLES = 100;
const NAME = new RegExp(NAME_PATTERN);
const PHONE = /^\+?[0-9][0-9 ().-]{3,30}$/;

/** The value at `a.b.0.c` (object keys and array indexes), or undefined. */
export const valueAtPath = (payload: unknown, path: string): unknown => {
  let current: unknown = payload;
  for (const segment of path.split('.')) {
    if (Array.isArray(current)) {
      if (!/^\d+$/.test(segment)) return undefined;
      current = current[Number(segment)];
    } else if (typeof current === 'object' && current !== null) {
      if (!Object.hasOwn(current, segment)) return undefined;
      current = (current as Record<string, unknown>)[segment];
    } else return undefined;
  }
  return current;
};

const isScalar = (value: unknown): value is string | number | boolean =>
  typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';

/** Scalars compare as text, so `"4"` equals `4` and `"true"` equals `true`; case matters. */
const sameScalar = (actual: unknown, expected: string | number | boolean): boolean =>
  isScalar(actual) && String(actual) === String(expected);

export const conditionHolds = (payload: unknown, condition: Condition): boolean => {
  const value = valueAtPath(payload, condition.path);
  if (condition.equals !== undefined) return sameScalar(value, condition.equals);
  if (condition.in !== undefined) return condition.in.some((expected) => sameScalar(value, expected));
  return value !== undefined && value !== null && value !== '';
};

/** A number, a numeric string, or a label on the scale (case-insensitive); else undefined. */
export const severityOf = (value: unknown, scale: Readonly<Record<string, number>>): number | undefined => {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  if (/^-?\d+(\.\d+)?$/.test(text)) return Number(text);
  return scale[text.toLowerCase()];
};

export interface UserRef {
  readonly by: UserLookup;
  readonly value: string;
}

export type HookActionPlan =
  | {
      readonly type: 'revoke_user';
      readonly user: UserRef;
      readonly reason: RevocationReason;
      readonly deactivate: boolean;
      readonly note: string | null;
    }
  | {
      readonly type: 'security_incident';
      readonly user: UserRef;
      readonly severity: number | null;
      readonly phone: string | null;
      readonly note: string | null;
    }
  | { readonly type: 'role_update'; readonly user: UserRef; readonly roles: readonly string[] };

export type MappingOutcome =
  /** No mapping applies; `detail` says why (for the audit trail). */
  | { readonly kind: 'ignored'; readonly detail: string }
  /** A mapping applies but the payload lacks what it needs: the sender must fix it (400). */
  | { readonly kind: 'invalid'; readonly mapping: string; readonly detail: string }
  | { readonly kind: 'matched'; readonly mapping: HookMapping; readonly plan: HookActionPlan };

const userRefOf = (payload: unknown, mapping: HookMapping): UserRef | string => {
  const value = valueAtPath(payload, mapping.user.path);
  if ((typeof value !== 'string' && typeof value !== 'number') || String(value).trim() === '')
    return `no user at ${mapping.user.path}`;
  const text = String(value).trim();
  if (text.length > MAX_USER_VALUE_LENGTH) return `the user at ${mapping.user.path} is too long`;
  return { by: mapping.user.by, value: text };
};

/** A list of role names, or a comma-separated string of them. */
const rolesOf = (value: unknown, path: string): readonly string[] | string => {
  const list =
    typeof value === 'string'
      ? value
          .split(',')
          .map((role) => role.trim())
          .filter((role) => role !== '')
      : Array.isArray(value)
        ? value
        : undefined;
  if (list === undefined) return `no list of roles at ${path}`;
  if (list.length > MAX_ROLES) return `more than ${MAX_ROLES} roles at ${path}`;
  for (const role of list) {
    if (typeof role !== 'string' || !NAME.test(role)) return `invalid role name at ${path}`;
  }
  return list as readonly string[];
};

const phoneOf = (payload: unknown, path: string | null): string | null => {
  if (path === null) return null;
  const value = valueAtPath(payload, path);
  return typeof value === 'string' && PHONE.test(value.trim()) ? value.trim() : null;
};

const planFor = (
  payload: unknown,
  mapping: HookMapping,
  user: UserRef,
  severity: number | null,
): HookActionPlan | string => {
  switch (mapping.action) {
    case 'revoke_user':
      return {
        type: 'revoke_user',
        user,
        reason: mapping.reason,
        deactivate: mapping.deactivate,
        note: mapping.note,
      };
    case 'security_incident':
      return {
        type: 'security_incident',
        user,
        severity,
        phone: phoneOf(payload, mapping.phonePath),
        note: mapping.note,
      };
    case 'role_update': {
      const path = mapping.rolesPath ?? '';
      const roles = rolesOf(valueAtPath(payload, path), path);
      return typeof roles === 'string' ? roles : { type: 'role_update', user, roles };
    }
  }
};

export const evaluateMappings = (source: HookSource, payload: unknown): MappingOutcome => {
  const skipped: string[] = [];
  for (const mapping of source.mappings) {
    if (!mapping.when.every((condition) => conditionHolds(payload, condition))) continue;
    let severity: number | null = null;
    if (mapping.severity !== null) {
      const found = severityOf(valueAtPath(payload, mapping.severity.path), mapping.severity.scale);
      if (found === undefined) {
        skipped.push(`mapping "${mapping.name}": no known severity at ${mapping.severity.path}`);
        continue;
      }
      if (found < mapping.severity.min) {
        skipped.push(`mapping "${mapping.name}": severity ${found} is below ${mapping.severity.min}`);
        continue;
      }
      severity = found;
    }
    const user = userRefOf(payload, mapping);
    if (typeof user === 'string') return { kind: 'invalid', mapping: mapping.name, detail: user };
    const plan = planFor(payload, mapping, user, severity);
    if (typeof plan === 'string') return { kind: 'invalid', mapping: mapping.name, detail: plan };
    return { kind: 'matched', mapping, plan };
  }
  return { kind: 'ignored', detail: skipped.length > 0 ? skipped.join('; ') : 'no mapping matched' };
};

/**
 * The event id replay protection keys on: the value at the source's `eventId.path`, or the
 * SHA-256 of the raw body when the source names none. Undefined when the path holds nothing usable.
 */
export const eventIdOf = (source: HookSource, payload: unknown, rawBody: Buffer): string | undefined => {
  if (source.eventIdPath === null) return `sha256:${createHash('sha256').update(rawBody).digest('hex')}`;
  const value = valueAtPath(payload, source.eventIdPath);
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  const text = String(value);
  return text === '' || text.length > MAX_EVENT_ID_LENGTH ? undefined : text;
};
