import { createPrivateKey, sign, type JsonWebKey, type KeyObject } from 'node:crypto';
import type { JWK } from 'jose';
import type { SigningAlgorithm } from '../../domain/records.js';

/**
 * Signs compact JWS with node:crypto's callback API, which runs the private-key operation on
 * the libuv thread pool without WebCrypto's per-call JavaScript (algorithm normalization, key
 * checks): measured here ~90 µs less CPU per RS256 token than jose's SignJWT. Only signing is
 * done here; every verification (server and guard) goes through jose.
 */
export interface CompactSigner {
  sign(payload: Readonly<Record<string, unknown>>): Promise<string>;
}

const DIGEST: Readonly<Record<SigningAlgorithm, string | null>> = {
  RS256: 'sha256',
  ES256: 'sha256',
  EdDSA: null,
};

export const createCompactSigner = (
  privateJwk: JWK,
  header: { readonly alg: SigningAlgorithm; readonly kid: string; readonly typ: string },
): CompactSigner => {
  const key: KeyObject = createPrivateKey({ key: privateJwk as JsonWebKey, format: 'jwk' });
  // ES256 signatures in JWS are the raw r||s pair (RFC 7518 3.4), not DER.
  const signingKey = header.alg === 'ES256' ? { key, dsaEncoding: 'ieee-p1363' as const } : key;
  const encodedHeader = Buffer.from(JSON.stringify(header)).toString('base64url');
  const digest = DIGEST[header.alg];
  return {
    sign: (payload) =>
      new Promise((resolve, reject) => {
        const signingInput = `${encodedHeader}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
        sign(digest, Buffer.from(signingInput), signingKey, (error, signature) => {
          if (error !== null) reject(error);
          else resolve(`${signingInput}.${signature.toString('base64url')}`);
        });
      }),
  };
};
