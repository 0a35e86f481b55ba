import { hash, randomFillSync, timingSafeEqual } from 'node:crypto';

/**
 * Random bytes from node:crypto's CSPRNG, drawn 4 KiB at a time: each call into OpenSSL costs
 * ~8 µs here whatever its size, and a refresh needs three values. Every byte is handed out once;
 * a refill takes a new buffer, so slices already handed out keep their bytes.
 */
const POOL_SIZE = 4096;
let pool = Buffer.alloc(0);
let poolOffset = 0;

export const randomBytesPooled = (size: number): Buffer => {
  if (size > POOL_SIZE) return randomFillSync(Buffer.alloc(size));
  if (poolOffset + size > pool.length) {
    pool = randomFillSync(Buffer.allocUnsafe(POOL_SIZE));
    poolOffset = 0;
  }
  const bytes = pool.subarray(poolOffset, poolOffset + size);
  poolOffset += size;
  return bytes;
};

/**
 * 256 bits of randomness, base64url, behind a recognizable prefix (`cutoff_rt_…`) so secret
 * scanners can spot a leaked token.
 */
export const randomSecret = (prefix: string): string =>
  `${prefix}${randomBytesPooled(32).toString('base64url')}`;

export const SECRET_PREFIX = {
  refreshToken: 'cutoff_rt_',
  apiKey: 'cutoff_ak_',
  clientSecret: 'cutoff_cs_',
  authorizationCode: 'cutoff_ac_',
  /** The SSO browser cookie and the hosted login's pre-login cookie and CSRF token. */
  browserSession: 'cutoff_bs_',
  loginAttempt: 'cutoff_la_',
  csrfToken: 'cutoff_csrf_',
} as const;

/** A random id with a self-describing prefix (`usr_…`): 128 bits. */
export const randomId = (prefix: string): string =>
  `${prefix}_${randomBytesPooled(16).toString('base64url')}`;

/**
 * Hash for high-entropy secrets (refresh tokens, API keys, client secrets). A fast hash is right
 * here: a 256-bit secret cannot be brute-forced, and lookups happen on every request.
 */
export const hashSecret = (secret: string): string => hash('sha256', secret, 'hex');

/** Compares two secrets without leaking where they differ (hashing first equalizes lengths). */
export const secretsEqual = (a: string, b: string): boolean =>
  timingSafeEqual(hash('sha256', a, 'buffer'), hash('sha256', b, 'buffer'));
