import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * 256 bits of randomness, base64url, behind a recognizable prefix (`cutoff_rt_…`) so secret
 * scanners can spot a leaked token.
 */
export const randomSecret = (prefix: string): string => `${prefix}${randomBytes(32).toString('base64url')}`;

export const SECRET_PREFIX = {
  refreshToken: 'cutoff_rt_',
  apiKey: 'cutoff_ak_',
  clientSecret: 'cutoff_cs_',
} as const;

/** A random id with a self-describing prefix (`usr_…`): 128 bits. */
export const randomId = (prefix: string): string => `${prefix}_${randomBytes(16).toString('base64url')}`;

/**
 * Hash for high-entropy secrets (refresh tokens, API keys, client secrets). A fast hash is right
 * here: a 256-bit secret cannot be brute-forced, and lookups happen on every request.
 */
export const hashSecret = (secret: string): string => createHash('sha256').update(secret).digest('hex');

/** Compares two secrets without leaking where they differ (hashing first equalizes lengths). */
export const secretsEqual = (a: string, b: string): boolean =>
  timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
