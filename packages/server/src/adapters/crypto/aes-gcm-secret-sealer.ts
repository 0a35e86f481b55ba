import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { SealedSecretError, type SecretSealer } from '../../ports/secret-sealer.js';

/** Sealed values start with this; anything else is a value stored before sealing was turned on. */
const PREFIX = 'sealed:v1:';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * A short public name for a key (HMAC of a fixed label, not the key itself), written into each
 * sealed value so that "sealed with another key" is told apart from "tampered with".
 */
const keyIdOf = (key: Buffer): string =>
  createHmac('sha256', key).update('cutoff secret sealer key id').digest('base64url').slice(0, 11);

export interface AesGcmSecretSealerOptions {
  /** Seals new values and opens values sealed with it. Without one, nothing is sealed. */
  readonly key?: Buffer | undefined;
  /** Earlier keys, only to open values sealed with them (during a key change). */
  readonly previousKeys?: readonly Buffer[];
}

/**
 * AES-256-GCM with a random 96-bit IV per value and the context as additional authenticated
 * data: `sealed:v1:<key id>:<iv>.<ciphertext>.<tag>` (base64url parts).
 */
export const createAesGcmSecretSealer = (options: AesGcmSecretSealerOptions = {}): SecretSealer => {
  const current = options.key;
  for (const key of [current, ...(options.previousKeys ?? [])])
    if (key !== undefined && key.length !== KEY_BYTES) throw new TypeError('encryption keys are 32 bytes');
  const keysById = new Map<string, Buffer>();
  for (const key of [...(options.previousKeys ?? []), ...(current === undefined ? [] : [current])])
    keysById.set(keyIdOf(key), key);
  const currentId = current === undefined ? undefined : keyIdOf(current);

  return {
    sealing: current !== undefined,
    seal(plaintext, context) {
      if (current === undefined || currentId === undefined) return plaintext;
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', current, iv, { authTagLength: TAG_BYTES });
      cipher.setAAD(Buffer.from(context, 'utf8'));
      const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      const parts = [iv, ciphertext, cipher.getAuthTag()].map((part) => part.toString('base64url'));
      return `${PREFIX}${currentId}:${parts.join('.')}`;
    },
    needsReseal(stored) {
      if (currentId === undefined) return false;
      return !stored.startsWith(`${PREFIX}${currentId}:`);
    },
    open(stored, context) {
      if (!stored.startsWith(PREFIX)) return stored;
      const rest = stored.slice(PREFIX.length);
      const colon = rest.indexOf(':');
      const keyId = rest.slice(0, colon);
      const key = colon > 0 ? keysById.get(keyId) : undefined;
      if (key === undefined) {
        throw new SealedSecretError(
          keysById.size === 0
            ? 'the store holds encrypted secrets but no encryption key is configured (CUTOFF_ENCRYPTION_KEY)'
            : `a secret in the store was sealed with a key that is not configured (key id ${keyId})`,
        );
      }
      const [iv, ciphertext, tag] = rest
        .slice(colon + 1)
        .split('.')
        .map((part) => Buffer.from(part, 'base64url'));
      if (iv?.length !== IV_BYTES || ciphertext === undefined || tag?.length !== TAG_BYTES)
        throw new SealedSecretError(`a sealed secret (${context}) is malformed`);
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
        decipher.setAAD(Buffer.from(context, 'utf8'));
        decipher.setAuthTag(tag);
        return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
      } catch {
        // GCM tells nothing more, by design: a changed byte or a value moved from another row.
        throw new SealedSecretError(`a sealed secret (${context}) failed authentication`);
      }
    },
  };
};
