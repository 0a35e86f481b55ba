import type { ApiKeyRecord } from '../../domain/records.js';

export interface ApiKeyRepository {
  insert(key: ApiKeyRecord): Promise<void>;
  findByHash(keyHash: string): Promise<ApiKeyRecord | undefined>;
  findById(id: ApiKeyRecord['id']): Promise<ApiKeyRecord | undefined>;
  list(): Promise<readonly ApiKeyRecord[]>;
  /** Moves last_used_at forward to `at`, never back (replicas flush in any order). */
  touch(id: ApiKeyRecord['id'], at: Date): Promise<void>;
  /**
   * Sets revoked_at once; a key already revoked keeps its first revocation time. Resolves to the
   * key as it is afterwards and whether this call revoked it, or undefined for an unknown id.
   */
  revoke(
    id: ApiKeyRecord['id'],
    at: Date,
  ): Promise<{ readonly key: ApiKeyRecord; readonly revokedNow: boolean } | undefined>;
}
