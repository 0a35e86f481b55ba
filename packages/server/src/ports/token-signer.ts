import type { JSONWebKeySet, JWTPayload } from 'jose';
import type { SigningAlgorithm, SigningKeyRecord } from '../domain/records.js';

export interface AccessTokenClaims extends JWTPayload {
  readonly iss: string;
  readonly sub: string;
  readonly aud: string;
  readonly exp: number;
  readonly iat: number;
  readonly jti: string;
  readonly client_id: string;
  readonly sid?: string;
  readonly roles: readonly string[];
  readonly groups: readonly string[];
  readonly amr?: readonly string[];
  readonly auth_time?: number;
  readonly access_until?: number;
  readonly scope?: string;
}

export interface PublishedKeys {
  readonly version: number;
  readonly kids: readonly string[];
}

/** Signs and verifies access tokens with the rotating key ring. */
export interface TokenSigner {
  sign(claims: AccessTokenClaims): Promise<string>;
  /**
   * Verifies signature (alg allow-list, known kid), `typ: at+jwt`, issuer and expiry. Throws on
   * any failure; callers treat every throw as "not a valid token".
   */
  verify(token: string): Promise<AccessTokenClaims>;
  jwks(): Promise<JSONWebKeySet>;
  /** True while `kid` is published; cached verifications of retired keys must be dropped. */
  isPublished(kid: string): boolean;
  /**
   * The published key ids, newest first, and the version of that set (the creation time of its
   * newest key, in ms): a larger version is a later set. Guards learn from it, through the feed's
   * heartbeats, which keys were retired.
   */
  publishedKeys(): PublishedKeys;
  /** Creates a key record (not yet stored) for rotation. */
  generateKey(alg: SigningAlgorithm, now: Date): Promise<SigningKeyRecord>;
  /** Re-reads the published keys from the store (after a rotation, here or on another replica). */
  reload(): Promise<void>;
}
