const KEY_BYTES = 32;

/**
 * Decodes a configured encryption key: 32 random bytes as base64 or base64url, as
 * `openssl rand -base64 32` prints them. The error never repeats the value.
 */
export const parseEncryptionKey = (text: string): Buffer => {
  const trimmed = text.trim();
  const key = /^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed) ? Buffer.from(trimmed, 'base64') : Buffer.alloc(0);
  if (key.length !== KEY_BYTES)
    throw new TypeError('an encryption key must be 32 random bytes in base64 (openssl rand -base64 32)');
  return key;
};
