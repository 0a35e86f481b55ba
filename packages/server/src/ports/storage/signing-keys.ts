import type { SigningKeyRecord } from '../../domain/records.js';

export interface SigningKeyRepository {
  insert(key: SigningKeyRecord): Promise<void>;
  /** Current and previous keys, current first. */
  listPublished(): Promise<readonly SigningKeyRecord[]>;
  /** current -> previous, previous -> retired; the caller then inserts the new current key. */
  demoteAll(): Promise<void>;
  /** Every key, retired ones included, oldest first. */
  listAll(): Promise<readonly SigningKeyRecord[]>;
  /** Replaces a key's stored private JWK if it is still `expected` (re-sealing); false otherwise. */
  replacePrivateJwk(kid: string, expected: string, privateJwk: string): Promise<boolean>;
}
