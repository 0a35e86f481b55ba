import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createAesGcmSecretSealer } from '../../src/adapters/crypto/aes-gcm-secret-sealer.js';
import { parseEncryptionKey } from '../../src/lib/encryption-key.js';
import { SealedSecretError } from '../../src/ports/secret-sealer.js';

const SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
const newKey = (): Buffer => randomBytes(32);

/** The value with the first character of its ciphertext part changed. */
const tampered = (sealed: string): string => {
  const at = sealed.lastIndexOf(':') + 1;
  const [iv, ciphertext, tag] = sealed.slice(at).split('.') as [string, string, string];
  const flipped = `${ciphertext.startsWith('A') ? 'B' : 'A'}${ciphertext.slice(1)}`;
  return `${sealed.slice(0, at)}${iv}.${flipped}.${tag}`;
};

describe('AES-GCM secret sealer', () => {
  it('seals so that the value opens again only in its own context', () => {
    const sealer = createAesGcmSecretSealer({ key: newKey() });
    const sealed = sealer.seal(SECRET, 'totp:usr_1');
    expect(sealer.sealing).toBe(true);
    expect(sealed).toMatch(/^sealed:v1:[\w-]{11}:[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(sealed).not.toContain(SECRET);
    expect(sealer.open(sealed, 'totp:usr_1')).toBe(SECRET);
    // A random IV per value: the same secret never seals to the same text.
    expect(sealer.seal(SECRET, 'totp:usr_1')).not.toBe(sealed);
    // Copied into another user's row, it does not open.
    expect(() => sealer.open(sealed, 'totp:usr_2')).toThrow(SealedSecretError);
  });

  it('refuses a changed byte and a malformed value', () => {
    const sealer = createAesGcmSecretSealer({ key: newKey() });
    const sealed = sealer.seal(SECRET, 'signing-key:k1');
    expect(() => sealer.open(tampered(sealed), 'signing-key:k1')).toThrow(/failed authentication/);
    expect(() => sealer.open(`${sealed.slice(0, -3)}`, 'signing-key:k1')).toThrow(SealedSecretError);
    expect(() => sealer.open(sealed.split('.')[0]!, 'signing-key:k1')).toThrow(/malformed/);
  });

  it('names the problem when the key is missing or another one', () => {
    const sealed = createAesGcmSecretSealer({ key: newKey() }).seal(SECRET, 'totp:usr_1');
    expect(() => createAesGcmSecretSealer().open(sealed, 'totp:usr_1')).toThrow(/CUTOFF_ENCRYPTION_KEY/);
    const keyId = sealed.split(':')[2]!;
    expect(() => createAesGcmSecretSealer({ key: newKey() }).open(sealed, 'totp:usr_1')).toThrow(
      new RegExp(`not configured \\(key id ${keyId}\\)`),
    );
  });

  it('changes keys: previous keys still open, new values use the current key', () => {
    const old = newKey();
    const sealedWithOld = createAesGcmSecretSealer({ key: old }).seal(SECRET, 'totp:usr_1');
    const sealer = createAesGcmSecretSealer({ key: newKey(), previousKeys: [old] });
    expect(sealer.open(sealedWithOld, 'totp:usr_1')).toBe(SECRET);
    const resealed = sealer.seal(SECRET, 'totp:usr_1');
    expect(resealed.split(':')[2]).not.toBe(sealedWithOld.split(':')[2]);
    expect(() => createAesGcmSecretSealer({ key: old }).open(resealed, 'totp:usr_1')).toThrow(
      SealedSecretError,
    );
  });

  it('tells which stored values need sealing with the current key', () => {
    const old = newKey();
    const sealedWithOld = createAesGcmSecretSealer({ key: old }).seal(SECRET, 'totp:usr_1');
    const sealer = createAesGcmSecretSealer({ key: newKey(), previousKeys: [old] });
    expect(sealer.needsReseal(SECRET)).toBe(true);
    expect(sealer.needsReseal(sealedWithOld)).toBe(true);
    expect(sealer.needsReseal(sealer.seal(SECRET, 'totp:usr_1'))).toBe(false);
    expect(createAesGcmSecretSealer().needsReseal(SECRET)).toBe(false);
  });

  it('without a key stores values as they are, and reads values stored before a key was set', () => {
    const none = createAesGcmSecretSealer();
    expect(none.sealing).toBe(false);
    expect(none.seal(SECRET, 'totp:usr_1')).toBe(SECRET);
    expect(createAesGcmSecretSealer({ key: newKey() }).open(SECRET, 'totp:usr_1')).toBe(SECRET);
  });

  it('accepts 32-byte keys in base64 or base64url and nothing else, without echoing the value', () => {
    const key = newKey();
    expect(parseEncryptionKey(key.toString('base64'))).toEqual(key);
    expect(parseEncryptionKey(` ${key.toString('base64url')}\n`)).toEqual(key);
    for (const bad of [randomBytes(16).toString('base64'), 'not a key!', '', key.toString('hex')]) {
      let message = '';
      try {
        parseEncryptionKey(bad);
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).toMatch(/32 random bytes/);
      if (bad !== '') expect(message).not.toContain(bad);
    }
  });
});
