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

/** OpenID Connect Core 1.0 section 2: what an ID token says about one authentication. */
export interface IdTokenClaims extends JWTPayload {
  readonly iss: string;
  readonly sub: string;
  /** The relying party's client_id. */
  readonly aud: string;
  readonly exp: number;
  readonly iat: number;
  readonly auth_time: number;
  readonly sid: string;
  readonly amr: readonly string[];
  /** `urn:cutoff:acr:pwd` or `urn:cutoff:acr:mfa` (use-cases/oidc/acr.ts). */
  readonly acr: string;
  readonly nonce?: string;
  readonly at_hash?: string;
}

/** OpenID Connect Back-Channel Logout 1.0 section 2.4: never a `nonce`. */
export interface LogoutTokenClaims extends JWTPayload {
  readonly iss: string;
  readonly aud: string;
  readonly iat: number;
  readonly exp: number;
  readonly jti: string;
  readonly sub: string;
  readonly sid: string;
  readonly events: { readonly 'http://schemas.openid.net/event/backchannel-logout': Record<string, never> };
}

/** Signs and verifies access tokens with the rotating key ring. */
export interface TokenSigner {
  sign(claims: AccessTokenClaims): Promise<string>;
  /**
   * Signs an ID token with the same current key, header `typ: JWT`: never `at+jwt`, so no
   * resource server that checks `typ` (as RFC 9068 requires, and the guard does) takes an ID
   * token for an access token.
   */
  signIdToken(claims: IdTokenClaims): Promise<string>;
  /** Signs a Back-Channel Logout 1.0 logout token (header `typ: logout+jwt`). */
  signLogoutToken(claims: LogoutTokenClaims): Promise<string>;
  /**
   * Verifies an ID token this server issued (signature, issuer, `typ: JWT`), accepting an expired
   * one: RP-Initiated Logout's `id_token_hint` is usually past its expiry. Throws on any failure.
   */
  verifyIdTokenHint(token: string): Promise<IdTokenClaims>;
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
