import type { Config } from '../../config/config-schema.js';
import { ScimError } from '../../domain/scim/scim-error.js';

/** Where the SCIM service provider lives; `meta.location` and `$ref`s are absolute URLs under it. */
export const scimBaseUrl = (config: Pick<Config, 'issuer'>): string =>
  `${config.issuer.replace(/\/+$/, '')}/scim/v2`;

/** `meta.version` and the ETag: a weak tag of the last modification (milliseconds). */
export const versionOf = (updatedAt: Date): string => `W/"${updatedAt.getTime()}"`;

/** Preconditions of a write (RFC 7644 section 3.14). */
export interface WriteOptions {
  /** The `If-Match` header: `*` or a list of entity tags; a mismatch is a 412 and nothing changes. */
  readonly ifMatch?: string | undefined;
}

export const checkIfMatch = (ifMatch: string | undefined, updatedAt: Date): void => {
  if (ifMatch === undefined || ifMatch.trim() === '' || ifMatch.trim() === '*') return;
  const current = versionOf(updatedAt);
  const strong = current.slice(2);
  const tags = ifMatch.split(',').map((tag) => tag.trim());
  if (!tags.some((tag) => tag === current || tag === strong)) {
    throw new ScimError(412, undefined, `The resource has changed: its version is ${current}.`);
  }
};

/** Lists bounded for audit details: the first ids and how many there were. */
export const AUDIT_ID_LIMIT = 100;
export const boundedIds = (ids: readonly string[]): readonly string[] => ids.slice(0, AUDIT_ID_LIMIT);

/**
 * How an attribute left out of the body is read. `clear` (POST, and the complete resource a
 * PATCH produced): it is unset. `keep` (PUT): it was not asserted and keeps its value, as RFC
 * 7644 section 3.5.1 allows, so an identity provider that does not manage roles cannot wipe them
 * (and cut the user off) with a profile update. An explicit `null` or `[]` always clears.
 * `active` and `password` (users) are never cleared by absence.
 */
export type AbsentAttributes = 'clear' | 'keep';
