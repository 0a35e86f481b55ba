/**
 * Encrypts the secrets the server must read back (signing private keys, TOTP secrets) before they
 * reach the store, so a copy of the database or of a backup does not hand out the power to mint
 * tokens or to pass MFA. Each value is bound to a context naming its row (`totp:<user id>`), so a
 * sealed value copied into another row does not open there.
 */
export interface SecretSealer {
  /** True when an encryption key is configured; false means values are stored as they are. */
  readonly sealing: boolean;
  /** Seals `plaintext` for `context`; without a key, returns it as it is. */
  seal(plaintext: string, context: string): string;
  /**
   * Opens a value read from the store. A value stored before sealing was turned on is returned as
   * it is. Throws `SealedSecretError` for a sealed value that does not open: no key configured,
   * another key, another context, or a changed byte.
   */
  open(stored: string, context: string): string;
  /** True when a key is configured and `stored` is in clear or sealed with a previous key. */
  needsReseal(stored: string): boolean;
}

export class SealedSecretError extends Error {
  override readonly name = 'SealedSecretError';
}
