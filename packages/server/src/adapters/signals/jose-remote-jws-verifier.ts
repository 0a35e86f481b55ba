import { compactVerify, createRemoteJWKSet, errors } from 'jose';
import type { RemoteJwsResult, RemoteJwsVerifier } from '../../ports/remote-jws-verifier.js';

export interface RemoteJwsVerifierOptions {
  /**
   * The least time between two fetches of one JWKS: a SET with an unknown `kid` refetches (the
   * transmitter rotated its keys), but a flood of made-up `kid`s costs the transmitter one
   * request per cooldown, not one per SET.
   */
  readonly cooldownMs?: number;
  /** How long fetched keys are used before they are fetched again. */
  readonly cacheMaxAgeMs?: number;
  readonly timeoutMs?: number;
}

/** Caches one remote key set per JWKS URL (jose's `createRemoteJWKSet`). */
export const createJoseRemoteJwsVerifier = (options: RemoteJwsVerifierOptions = {}): RemoteJwsVerifier => {
  const sets = new Map<string, ReturnType<typeof createRemoteJWKSet>>();
  const setFor = (uri: string) => {
    let set = sets.get(uri);
    if (set === undefined) {
      set = createRemoteJWKSet(new URL(uri), {
        cooldownDuration: options.cooldownMs ?? 30_000,
        cacheMaxAge: options.cacheMaxAgeMs ?? 600_000,
        timeoutDuration: options.timeoutMs ?? 5000,
      });
      // Bounded by the configured transmitters in practice; a guard against unbounded growth.
      if (sets.size >= 100) sets.clear();
      sets.set(uri, set);
    }
    return set;
  };
  return {
    async verify(token, { jwksUri, algorithms }): Promise<RemoteJwsResult> {
      try {
        const { payload, protectedHeader } = await compactVerify(token, setFor(jwksUri), {
          algorithms: [...algorithms],
        });
        const claims: unknown = JSON.parse(new TextDecoder().decode(payload));
        if (typeof claims !== 'object' || claims === null || Array.isArray(claims))
          return { ok: false, problem: 'malformed' };
        return { ok: true, header: protectedHeader, payload: claims as Record<string, unknown> };
      } catch (error) {
        if (error instanceof errors.JWSSignatureVerificationFailed)
          return { ok: false, problem: 'bad_signature' };
        if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys)
          return { ok: false, problem: 'unknown_key' };
        if (
          error instanceof errors.JWSInvalid ||
          error instanceof errors.JOSEAlgNotAllowed ||
          error instanceof errors.JOSENotSupported ||
          error instanceof SyntaxError
        )
          return { ok: false, problem: 'malformed' };
        // Timeouts, refused connections, non-200 answers, a body that is no JWKS.
        return { ok: false, problem: 'keys_unavailable' };
      }
    },
  };
};
