import { toTokenSubject, type TokenSubject } from '@cutoff/guard/rule';
import type { AccessTokenClaims, TokenSigner } from '../../ports/token-signer.js';

export interface VerifiedToken {
  readonly claims: AccessTokenClaims;
  readonly subject: TokenSubject;
  readonly kid: string;
  /** The RFC 7662 answer while the token is active, serialized once per token. */
  readonly activeJson: string;
}

const kidOf = (token: string): string => {
  try {
    const header = JSON.parse(
      Buffer.from(token.slice(0, token.indexOf('.')), 'base64url').toString('utf8'),
    ) as {
      kid?: unknown;
    };
    return typeof header.kid === 'string' ? header.kid : '';
  } catch {
    return '';
  }
};

/**
 * Signature verification is the expensive part of introspection; a token's signature does not
 * change, so its verification is cached until the token expires. Revocation is still checked on
 * every call by the caller. Bounded: the oldest entries go first.
 */
export const createVerifiedTokenCache = (signer: TokenSigner, issuer: string, maxEntries = 50_000) => {
  const cache = new Map<string, VerifiedToken>();
  return async (token: string, nowSeconds: number): Promise<VerifiedToken | undefined> => {
    const hit = cache.get(token);
    if (hit !== undefined) {
      if (hit.claims.exp > nowSeconds && signer.isPublished(hit.kid)) return hit;
      cache.delete(token);
      return undefined;
    }
    let claims: AccessTokenClaims;
    try {
      claims = await signer.verify(token);
    } catch {
      return undefined;
    }
    if (cache.size >= maxEntries) cache.delete(cache.keys().next().value as string);
    const verified = {
      claims,
      subject: toTokenSubject(claims, issuer),
      kid: kidOf(token),
      activeJson: JSON.stringify({ active: true, token_type: 'Bearer', ...claims }),
    };
    cache.set(token, verified);
    return verified;
  };
};
