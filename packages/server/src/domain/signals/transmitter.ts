/**
 * A trusted Shared Signals transmitter (Okta Identity Threat Protection, Entra, an SSF-speaking
 * SaaS): Cutoff accepts the Security Event Tokens it signs with the keys at `jwksUri`, and the
 * Global Token Revocation requests it signs the same way (Okta Universal Logout).
 */
export interface SsfTransmitterRecord {
  readonly name: string;
  /** The `iss` of its SETs; unique across transmitters (it selects the transmitter). */
  readonly issuer: string;
  readonly jwksUri: string;
  /** The `aud` its SETs carry; null: Cutoff's issuer. */
  readonly audience: string | null;
  /** A SET whose `iat` is older than this is refused (a retry past it is a new event to the transmitter). */
  readonly maxAgeSeconds: number;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** Transmitters retry a failed push for a while (RFC 8935 section 2.4): a day covers an outage. */
export const DEFAULT_SET_MAX_AGE_SECONDS = 86_400;
/**
 * The longest accepted age. A `jti` is remembered for 30 days (the webhook replay records it
 * shares, `WEBHOOK_EVENT_RETENTION_MS`): any SET younger than the max age is still remembered.
 */
export const MAX_SET_MAX_AGE_SECONDS = 7 * 86_400;
/** How far ahead of Cutoff's clock a transmitter's `iat` may be. */
export const SET_IAT_LEEWAY_SECONDS = 60;

/** The algorithms a transmitter may sign with: asymmetric only, so a leaked JWKS forges nothing. */
export const SET_ALGORITHMS = ['RS256', 'PS256', 'ES256'] as const;

/** The replay-record namespace of a transmitter's `jti`s (shared table with webhook event ids). */
export const setReplaySource = (transmitter: string): string => `ssf:${transmitter}`;
