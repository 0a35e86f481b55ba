/** The canary: probes the admin registers, and the result of each cycle. */

/** The revocation kinds a cycle rotates through (each exercises another rule of the guard). */
export const CANARY_KINDS = ['session', 'user', 'token', 'group', 'role'] as const;
export type CanaryKind = (typeof CANARY_KINDS)[number];

export const CANARY_PROBE_METHODS = ['GET', 'HEAD', 'POST'] as const;
export type CanaryProbeMethod = (typeof CANARY_PROBE_METHODS)[number];

/** A protected endpoint of a connected app, called with the canary's token. */
export interface CanaryProbeRecord {
  readonly name: string;
  readonly url: string;
  readonly method: CanaryProbeMethod;
  /** The names of the configured headers (their values are sealed and never shown). */
  readonly headerNames: readonly string[];
  /** JSON object of header name -> value, sealed for `canaryProbeSealContext(name)`; null: none. */
  readonly sealedHeaders: string | null;
  readonly timeoutMs: number;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export interface CanaryProbeResult {
  readonly name: string;
  /** The probe answered 2xx to the fresh token. */
  readonly accepted: boolean;
  /** Milliseconds from the revocation's commit to the probe's first 401; null when it never refused. */
  readonly rejectedAfterMs: number | null;
  /** The statuses it answered, in order, consecutive repeats collapsed (0: no answer). */
  readonly statuses: readonly number[];
  readonly error: string | null;
}

export interface CanaryRunRecord {
  readonly id: string;
  readonly startedAt: Date;
  readonly finishedAt: Date;
  readonly kind: CanaryKind;
  readonly ok: boolean;
  readonly probes: readonly CanaryProbeResult[];
  /** Null for kind `token`: a revoked jti leaves its session (and refresh token) alive by design. */
  readonly refreshRefused: boolean | null;
  readonly introspectionInactive: boolean;
  readonly guards: { readonly applied: number; readonly total: number };
  /** Why the cycle could not run to its end (e.g. the canary login failed); null when it did. */
  readonly error: string | null;
}

/** A probe passes a cycle when it took the fresh token and refused it after the revocation. */
export const probePassed = (result: CanaryProbeResult): boolean =>
  result.accepted && result.rejectedAfterMs !== null && result.error === null;

/**
 * The next kind after `last`, skipping group and role when the canary account has none to revoke.
 */
export const nextCanaryKind = (
  last: CanaryKind | undefined,
  available: { readonly group: boolean; readonly role: boolean },
): CanaryKind => {
  const usable = CANARY_KINDS.filter(
    (kind) => (kind !== 'group' || available.group) && (kind !== 'role' || available.role),
  );
  const index = last === undefined ? -1 : usable.indexOf(last);
  return usable[(index + 1) % usable.length] ?? 'session';
};

/**
 * Audit events of the canary's own work (its revocations carry actor `canary` and reason
 * `canary`): investigations and group reports leave them out unless asked.
 */
export const isCanaryActivity = (event: {
  readonly actor: { readonly type: string };
  readonly reason: string | null;
}): boolean => event.actor.type === 'canary' || event.reason === 'canary';
