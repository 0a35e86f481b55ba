import {
  createRemoteJWKSet,
  customFetch,
  decodeJwt,
  errors,
  jwtVerify,
  type JWTVerifyGetKey,
  type RemoteJWKSet,
} from 'jose';
import { GuardError } from '../errors.js';
import type { ResolvedGuardOptions, ResolvedIssuer } from '../options.js';
import { toTokenSubject } from '../rule/index.js';
import {
  deepFreeze,
  malformedClaim,
  type AccessTokenClaims,
  type VerifiedToken,
} from './access-token-claims.js';

/** Tokens longer than this are refused before parsing (real access tokens are ~1 KiB). */
const MAX_TOKEN_LENGTH = 16 * 1024;

/** Marks a failure to obtain keys (network, non-200, bad JSON), as opposed to a bad token. */
class KeysUnavailable extends Error {}

interface IssuerVerifier {
  readonly issuer: ResolvedIssuer;
  readonly keys: RemoteJWKSet;
  readonly getKey: JWTVerifyGetKey;
}

const isKeyFetchFailure = (error: unknown): boolean =>
  !(error instanceof errors.JOSEError) ||
  error.code === 'ERR_JWKS_TIMEOUT' ||
  error.code === 'ERR_JWKS_INVALID' ||
  error.code === 'ERR_JOSE_GENERIC';

const toGuardError = (error: unknown): GuardError => {
  if (error instanceof GuardError) return error;
  if (error instanceof KeysUnavailable) {
    return new GuardError('ERR_GUARD_NOT_READY', { detail: 'signing keys unavailable', cause: error.cause });
  }
  if (error instanceof errors.JWTExpired)
    return new GuardError('ERR_TOKEN_EXPIRED', { detail: error.message });
  if (error instanceof errors.JOSEError) {
    return new GuardError('ERR_TOKEN_INVALID', { detail: `${error.code}: ${error.message}` });
  }
  return new GuardError('ERR_TOKEN_INVALID', { detail: 'unexpected verification failure', cause: error });
};

/** Verifies signatures and RFC 9068 claims for the own issuer and the trusted external issuers. */
export class TokenVerifier {
  readonly #options: ResolvedGuardOptions;
  readonly #byIssuer = new Map<string, IssuerVerifier>();

  constructor(options: ResolvedGuardOptions) {
    this.#options = options;
    for (const issuer of [options.own, ...options.trusted]) {
      const keys = createRemoteJWKSet(new URL(issuer.jwksUri), {
        cooldownDuration: options.jwksCooldownMs,
        [customFetch]: (url, init) => options.fetch(url, init),
      });
      const getKey: JWTVerifyGetKey = async (header, token) => {
        try {
          return await keys(header, token);
        } catch (error) {
          throw isKeyFetchFailure(error) ? new KeysUnavailable('JWKS fetch failed', { cause: error }) : error;
        }
      };
      this.#byIssuer.set(issuer.issuer, { issuer, keys, getKey });
    }
  }

  /** Fetches the own JWKS ahead of the first request; failures are retried on demand. */
  async warm(): Promise<void> {
    await this.#byIssuer.get(this.#options.own.issuer)?.keys.reload();
  }

  /** Resolves to the verified token or rejects with a `GuardError`. */
  async verify(token: string): Promise<VerifiedToken> {
    try {
      return await this.#verify(token);
    } catch (error) {
      throw toGuardError(error);
    }
  }

  async #verify(token: string): Promise<VerifiedToken> {
    if (token.length > MAX_TOKEN_LENGTH)
      throw new GuardError('ERR_TOKEN_INVALID', { detail: 'token too long' });
    // The unverified `iss` only selects which key set to verify with; jwtVerify checks it again.
    const { iss } = decodeJwt(token);
    const verifier = typeof iss === 'string' ? this.#byIssuer.get(iss) : undefined;
    if (verifier === undefined) throw new GuardError('ERR_TOKEN_INVALID', { detail: 'untrusted issuer' });
    const { issuer } = verifier;
    const options = this.#options;
    const nowMs = options.now();
    const { payload } = await jwtVerify(token, verifier.getKey, {
      issuer: issuer.issuer,
      audience: issuer.audience,
      algorithms: issuer.algorithms,
      typ: issuer.requireAtJwt ? 'at+jwt' : undefined,
      clockTolerance: options.clockToleranceSeconds,
      requiredClaims: issuer.requireAtJwt ? ['exp', 'iat', 'sub', 'jti'] : ['exp', 'iat', 'sub'],
      currentDate: new Date(nowMs),
    });
    const bad = malformedClaim(payload);
    if (bad !== undefined) throw new GuardError('ERR_TOKEN_INVALID', { detail: `malformed "${bad}" claim` });
    // A token "issued" in the future would escape every watermark (`iat <= at`), so refuse it.
    if ((payload.iat as number) > nowMs / 1000 + options.clockToleranceSeconds) {
      throw new GuardError('ERR_TOKEN_INVALID', { detail: '"iat" is in the future' });
    }
    const claims = deepFreeze(payload) as AccessTokenClaims;
    return Object.freeze({
      claims,
      subject: deepFreeze(toTokenSubject(claims, options.own.issuer)),
      external: issuer.external,
    });
  }
}
