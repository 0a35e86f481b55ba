import {
  createRemoteJWKSet,
  customFetch,
  decodeJwt,
  decodeProtectedHeader,
  errors,
  jwtVerify,
  type JWTVerifyGetKey,
  type RemoteJWKSet,
} from 'jose';
import { GuardError } from '../errors.js';
import type { ResolvedGuardOptions, ResolvedIssuer } from '../options.js';
import { isIssuedInFuture, toTokenSubject } from '../rule/index.js';
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

/** A verified token and the `kid` of the key that signed it. */
export interface VerifiedWithKey {
  readonly verified: VerifiedToken;
  readonly kid: string | undefined;
}

/** Verifies signatures and RFC 9068 claims for the own issuer and the trusted external issuers. */
export class TokenVerifier {
  readonly #options: ResolvedGuardOptions;
  readonly #byIssuer = new Map<string, IssuerVerifier>();
  /** The own issuer's published key set, as the feed's heartbeats last reported it. */
  #keysVersion = Number.NEGATIVE_INFINITY;
  #publishedKids: ReadonlySet<string> = new Set();
  /** Own keys seen published and then gone: never trusted again. */
  readonly #retiredKids = new Set<string>();

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

  /**
   * Applies the own issuer's published key set from a feed heartbeat. A kid published in an
   * earlier set and missing from a later one is retired for good: its tokens are refused at once
   * (a compromised key stops working everywhere within a heartbeat, not when the JWKS cache ages
   * out), and the key set is refetched. An older set, from a replica that has not reloaded its
   * keys yet, is ignored. Returns the kids this call retired.
   */
  applyPublishedKeys(version: number, kids: readonly string[]): readonly string[] {
    if (!(version > this.#keysVersion)) return [];
    const retired = [...this.#publishedKids].filter((kid) => !kids.includes(kid));
    for (const kid of retired) this.#retiredKids.add(kid);
    this.#keysVersion = version;
    this.#publishedKids = new Set(kids);
    if (retired.length > 0) {
      this.#byIssuer
        .get(this.#options.own.issuer)
        ?.keys.reload()
        .catch((error: unknown) =>
          this.#options.logger.debug('cutoff guard: JWKS reload after a key retirement failed', {
            error: error instanceof Error ? error.message : String(error),
          }),
        );
    }
    return retired;
  }

  /** True for an own key that was published and then retired. */
  isRetired(kid: string | undefined): boolean {
    return kid !== undefined && this.#retiredKids.has(kid);
  }

  /** Resolves to the verified token or rejects with a `GuardError`. */
  async verify(token: string): Promise<VerifiedWithKey> {
    try {
      return await this.#verify(token);
    } catch (error) {
      throw toGuardError(error);
    }
  }

  async #verify(token: string): Promise<VerifiedWithKey> {
    if (token.length > MAX_TOKEN_LENGTH)
      throw new GuardError('ERR_TOKEN_INVALID', { detail: 'token too long' });
    // The unverified `iss` only selects which key set to verify with; jwtVerify checks it again.
    const { iss } = decodeJwt(token);
    const verifier = typeof iss === 'string' ? this.#byIssuer.get(iss) : undefined;
    if (verifier === undefined) throw new GuardError('ERR_TOKEN_INVALID', { detail: 'untrusted issuer' });
    const { issuer } = verifier;
    const retired = (kid: string | undefined): boolean => !issuer.external && this.isRetired(kid);
    if (retired(decodeProtectedHeader(token).kid))
      throw new GuardError('ERR_TOKEN_INVALID', { detail: 'signing key retired' });
    const options = this.#options;
    const nowMs = options.now();
    const { payload, protectedHeader } = await jwtVerify(token, verifier.getKey, {
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
    if (isIssuedInFuture(payload.iat as number, nowMs / 1000, options.clockToleranceSeconds)) {
      throw new GuardError('ERR_TOKEN_INVALID', { detail: '"iat" is in the future' });
    }
    // The key may have been retired while the signature was being checked.
    if (retired(protectedHeader.kid))
      throw new GuardError('ERR_TOKEN_INVALID', { detail: 'signing key retired' });
    const claims = deepFreeze(payload) as AccessTokenClaims;
    const verified: VerifiedToken = Object.freeze({
      claims,
      subject: deepFreeze(toTokenSubject(claims, options.own.issuer)),
      external: issuer.external,
    });
    return { verified, kid: protectedHeader.kid };
  }
}
