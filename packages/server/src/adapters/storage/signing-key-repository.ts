import type { SigningKeyRecord } from '../../domain/records.js';
import type { SigningKeyRepository } from '../../ports/storage/signing-keys.js';
import { rowToSigningKey, signingKeyToRow } from './row-mapping.js';
import { inTransaction, updatedRows } from './store-context.js';
import type { StoreContext } from './store-context.js';

export class KyselySigningKeyRepository implements SigningKeyRepository {
  readonly #context: StoreContext;

  constructor(context: StoreContext) {
    this.#context = context;
  }

  async insert(key: SigningKeyRecord): Promise<void> {
    await this.#context.db.insertInto('signing_keys').values(signingKeyToRow(key)).execute();
  }

  /** Current keys, then previous keys; newest first within each. */
  async listPublished(): Promise<readonly SigningKeyRecord[]> {
    const rows = await this.#context.db
      .selectFrom('signing_keys')
      .selectAll()
      .where('status', 'in', ['current', 'previous'])
      .orderBy((eb) => eb.case().when('status', '=', 'current').then(0).else(1).end())
      .orderBy('created_at', 'desc')
      .orderBy('kid', 'desc')
      .execute();
    return rows.map(rowToSigningKey);
  }

  async listAll(): Promise<readonly SigningKeyRecord[]> {
    const rows = await this.#context.db
      .selectFrom('signing_keys')
      .selectAll()
      .orderBy('created_at')
      .orderBy('kid')
      .execute();
    return rows.map(rowToSigningKey);
  }

  async replacePrivateJwk(kid: string, expected: string, privateJwk: string): Promise<boolean> {
    const result = await this.#context.db
      .updateTable('signing_keys')
      .set({ private_jwk: privateJwk })
      .where('kid', '=', kid)
      .where('private_jwk', '=', expected)
      .executeTakeFirst();
    return updatedRows(result) === 1;
  }

  async demoteAll(): Promise<void> {
    await inTransaction(this.#context, async (trx) => {
      // Retire the previous keys first, or the keys just demoted would be retired with them.
      await trx
        .updateTable('signing_keys')
        .set({ status: 'retired' })
        .where('status', '=', 'previous')
        .execute();
      await trx
        .updateTable('signing_keys')
        .set({ status: 'previous' })
        .where('status', '=', 'current')
        .execute();
    });
  }
}
