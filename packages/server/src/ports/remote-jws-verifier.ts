/**
 * Verifies a compact JWS against the public keys a third party publishes at a JWKS URL (a
 * Shared Signals transmitter, Okta Universal Logout). The keys are fetched and cached by the
 * adapter; an unknown `kid` refetches, at most once per cooldown.
 */
export type RemoteJwsProblem =
  /** No key of the set matches the JWS's `kid`/`alg`. */
  | 'unknown_key'
  /** A key matched and the signature is wrong: forged or altered. */
  | 'bad_signature'
  /** The JWS is not well-formed, or its `alg` is not among the allowed ones. */
  | 'malformed'
  /** The JWKS could not be fetched or read: nothing can be said about the signature yet. */
  | 'keys_unavailable';

export type RemoteJwsResult =
  | {
      readonly ok: true;
      readonly header: Readonly<Record<string, unknown>>;
      readonly payload: Readonly<Record<string, unknown>>;
    }
  | { readonly ok: false; readonly problem: RemoteJwsProblem };

export interface RemoteJwsVerifier {
  verify(
    token: string,
    options: { readonly jwksUri: string; readonly algorithms: readonly string[] },
  ): Promise<RemoteJwsResult>;
}
