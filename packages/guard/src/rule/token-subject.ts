/**
 * The parts of a verified access token that the revocation rule looks at, extracted once per
 * token so the per-request check does no parsing.
 */
export interface TokenSubject {
  /** `sub` for tokens of the own issuer; `<iss>|<sub>` for tokens of a trusted external issuer. */
  readonly userKey: string | undefined;
  readonly sid: string | undefined;
  readonly jti: string | undefined;
  readonly clientId: string | undefined;
  readonly groups: readonly string[];
  readonly roles: readonly string[];
  /** NumericDate (seconds). */
  readonly iat: number;
  /** NumericDate (seconds) after which the token is rejected whatever the feed says. */
  readonly accessUntil: number | undefined;
}

const stringClaim = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const stringArrayClaim = (value: unknown): readonly string[] =>
  Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];

/**
 * Builds the rule's view of a token's claims. `ownIssuer` tells local subjects (keyed by `sub`)
 * from subjects of trusted external issuers (keyed by `<iss>|<sub>`).
 */
export const toTokenSubject = (
  claims: Readonly<Record<string, unknown>>,
  ownIssuer: string,
): TokenSubject => {
  const sub = stringClaim(claims.sub);
  const iss = stringClaim(claims.iss);
  return {
    userKey: sub === undefined ? undefined : iss === undefined || iss === ownIssuer ? sub : `${iss}|${sub}`,
    sid: stringClaim(claims.sid),
    jti: stringClaim(claims.jti),
    clientId: stringClaim(claims.client_id) ?? stringClaim(claims.azp),
    groups: stringArrayClaim(claims.groups),
    roles: stringArrayClaim(claims.roles),
    iat: typeof claims.iat === 'number' ? claims.iat : 0,
    accessUntil: typeof claims.access_until === 'number' ? claims.access_until : undefined,
  };
};
