import type { TokenSubject } from '../rule/index.js';

/** Claims of a verified access token (RFC 9068 plus Cutoff's claims). Deeply frozen. */
export interface AccessTokenClaims {
  readonly iss: string;
  readonly sub: string;
  readonly aud: string | readonly string[];
  readonly exp: number;
  readonly iat: number;
  /** Always present on Cutoff tokens; optional on tokens of trusted external issuers. */
  readonly jti?: string;
  readonly client_id?: string;
  readonly sid?: string;
  readonly roles?: readonly string[];
  readonly groups?: readonly string[];
  readonly amr?: readonly string[];
  readonly auth_time?: number;
  readonly access_until?: number;
  readonly scope?: string;
  readonly [claim: string]: unknown;
}

/** What `guard.verify` resolves to. */
export interface VerifiedToken {
  readonly claims: AccessTokenClaims;
  /** The rule's view of the token (`userKey` is `<iss>|<sub>` for external issuers). */
  readonly subject: TokenSubject;
  /** True when the token came from a trusted external issuer rather than Cutoff. */
  readonly external: boolean;
}

const STRING_CLAIMS = ['jti', 'client_id', 'sid', 'azp', 'scope'] as const;
const STRING_ARRAY_CLAIMS = ['roles', 'groups', 'amr'] as const;
const NUMBER_CLAIMS = ['auth_time', 'access_until'] as const;

/**
 * Returns why the claims the rule depends on are malformed, or undefined. A wrongly typed claim
 * is rejected rather than ignored: `groups: "admins"` must not slip past a group revocation.
 */
export const malformedClaim = (claims: Readonly<Record<string, unknown>>): string | undefined => {
  if (typeof claims.sub !== 'string' || claims.sub === '') return 'sub';
  for (const name of STRING_CLAIMS) {
    const value = claims[name];
    if (value !== undefined && typeof value !== 'string') return name;
  }
  for (const name of STRING_ARRAY_CLAIMS) {
    const value = claims[name];
    if (value !== undefined && (!Array.isArray(value) || value.some((item) => typeof item !== 'string'))) {
      return name;
    }
  }
  for (const name of NUMBER_CLAIMS) {
    const value = claims[name];
    if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value))) return name;
  }
  return undefined;
};

/** Verified claims are shared by every request presenting the same token, so nobody may mutate them. */
export const deepFreeze = <T>(value: T): T => {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const item of Object.values(value)) deepFreeze(item);
  }
  return value;
};
