import type { ApiKeyRecord } from '../../domain/records.js';
import type { ApiKeyRepository } from '../../ports/storage/api-keys.js';
import { apiKeyToRow, rowToApiKey, toMillis } from './row-mapping.js';
import type { StoreContext } from './store-context.js';

export class KyselyApiKeyRepository implements ApiKeyRepository {
  readonly #context: StoreContext;

  constructor(context: StoreContext) {
    this.#context = context;
  }

  async insert(key: ApiKeyRecord): Promise<void> {
    await this.#context.db.insertInto('api_keys').values(apiKeyToRow(key)).execute();
  }

  async findByHash(keyHash: string): Promise<ApiKeyRecord | undefined> {
    const row = await this.#context.db
      .selectFrom('api_keys')
      .selectAll()
      .where('key_hash', '=', keyHash)
      .executeTakeFirst();
    return row === undefined ? undefined : rowToApiKey(row);
  }

  async findById(id: ApiKeyRecord['id']): Promise<ApiKeyRecord | undefined> {
    const row = await this.#context.db
      .selectFrom('api_keys')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row === undefined ? undefined : rowToApiKey(row);
  }

  /** Oldest first. */
  async list(): Promise<readonly ApiKeyRecord[]> {
    const rows = await this.#context.db
      .selectFrom('api_keys')
      .selectAll()
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map(rowToApiKey);
  }

  async touch(id: ApiKeyRecord['id'], at: Date): Promise<void> {
    await this.#context.db
      .updateTable('api_keys')
      .set({ last_used_at: toMillis(at) })
      .where('id', '=', id)
      .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', toMillis(at))]))
      .execute();
  }

  async revoke(
    id: ApiKeyRecord['id'],
    at: Date,
  ): Promise<{ readonly key: ApiKeyRecord; readonly revokedNow: boolean } | undefined> {
    // One conditional UPDATE: of two concurrent revocations exactly one sees a row change.
    const updated = await this.#context.db
      .updateTable('api_keys')
      .set({ revoked_at: toMillis(at) })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .returningAll()
      .executeTakeFirst();
    if (updated !== undefined) return { key: rowToApiKey(updated), revokedNow: true };
    const existing = await this.findById(id);
    return existing === undefined ? undefined : { key: existing, revokedNow: false };
  }
}
