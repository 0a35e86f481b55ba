import { importJWK, type JWK } from 'jose';
import type { PublicJwks } from '../../domain/records.js';

const MAX_KEYS = 10;
/** Members only a private or symmetric key has (RFC 7518 sections 6.2.2, 6.3.2, 6.4). */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];
/** The key types that can verify the accepted assertion algorithms (RS256, PS256, ES256). */
const DEFAULT_ALG: Readonly<Record<string, string>> = { RSA: 'RS256', EC: 'ES256' };

/**
 * Why a registered JWKS cannot verify `private_key_jwt` assertions, or null. Every key must be a
 * public RSA or EC key that imports: a private key pasted by mistake is refused (it would sit in
 * the client record and in the audit trail), and so is a symmetric one.
 */
export const clientKeysProblem = async (jwks: PublicJwks): Promise<string | null> => {
  const keys: unknown = jwks.keys;
  if (!Array.isArray(keys) || keys.length === 0) return 'keys must be a non-empty array.';
  if (keys.length > MAX_KEYS) return `at most ${MAX_KEYS} keys.`;
  for (const [index, entry] of (keys as readonly unknown[]).entries()) {
    if (typeof entry !== 'object' || entry === null) return `keys[${index}] is not an object.`;
    const key = entry as Readonly<Record<string, unknown>>;
    const kty = key.kty;
    if (typeof kty !== 'string' || DEFAULT_ALG[kty] === undefined)
      return `keys[${index}]: kty must be RSA or EC.`;
    if (PRIVATE_MEMBERS.some((member) => member in key))
      return `keys[${index}] is a private key; register the public key only.`;
    try {
      await importJWK(key as JWK, typeof key.alg === 'string' ? key.alg : DEFAULT_ALG[kty]);
    } catch {
      return `keys[${index}] is not a usable ${kty} public key.`;
    }
  }
  return null;
};
