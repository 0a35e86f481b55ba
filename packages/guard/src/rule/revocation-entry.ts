/** The kinds of revocation entries, per the revocation rule in DESIGN.md. */
export const REVOCATION_KINDS = ['session', 'token', 'user', 'group', 'role', 'client', 'all'] as const;
export type RevocationKind = (typeof REVOCATION_KINDS)[number];

/** Reason codes shared by the server, the feed and the audit trail. */
export const REVOCATION_REASONS = [
  'offboarding',
  'security_incident',
  'role_change',
  'contractor_end',
  'credential_change',
  'manual',
  'canary',
] as const;
export type RevocationReason = (typeof REVOCATION_REASONS)[number];

/**
 * One entry of the revocation feed. `at` and `expires_at` are NumericDates (unix seconds),
 * the unit of the `iat` claim they are compared with.
 */
export interface RevocationEntry {
  readonly seq: number;
  readonly kind: RevocationKind;
  readonly key: string;
  readonly at: number;
  readonly expires_at: number;
  /** One of `REVOCATION_REASONS` from this server; kept open so a newer server's codes still parse. */
  readonly reason: string;
}

export const isRevocationKind = (value: unknown): value is RevocationKind =>
  typeof value === 'string' && (REVOCATION_KINDS as readonly string[]).includes(value);

export const isRevocationReason = (value: unknown): value is RevocationReason =>
  typeof value === 'string' && (REVOCATION_REASONS as readonly string[]).includes(value);

const isNumericDate = (value: unknown): value is number =>
  typeof value === 'number' && Number.isFinite(value);

/**
 * Validates an entry received from the feed. Returns `undefined` for anything malformed, so a
 * bad entry can never be half-applied; an unknown `kind` (a newer server) is malformed here.
 */
export const parseRevocationEntry = (value: unknown): RevocationEntry | undefined => {
  if (typeof value !== 'object' || value === null) return undefined;
  const { seq, kind, key, at, expires_at: expiresAt, reason } = value as Readonly<Record<string, unknown>>;
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 1) return undefined;
  if (!isRevocationKind(kind) || typeof key !== 'string' || key === '') return undefined;
  if (!isNumericDate(at) || !isNumericDate(expiresAt)) return undefined;
  return Object.freeze({
    seq,
    kind,
    key,
    at,
    expires_at: expiresAt,
    reason: typeof reason === 'string' ? reason : 'unknown',
  });
};
