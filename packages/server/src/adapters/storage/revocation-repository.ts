import type { RevocationId } from '../../domain/ids.js';
import type { NewRevocation, RevocationRecord } from '../../domain/records.js';
import type { RevocationRepository } from '../../ports/storage/revocations.js';
import { rowToRevocation, toMillis } from './row-mapping.js';
import { inTransaction, lockAppends } from './store-context.js';
import type { StoreContext } from './store-context.js';

export class KyselyRevocationRepository implements RevocationRepository {
  readonly #context: StoreContext;

  constructor(context: StoreContext) {
    this.#context = context;
  }

  /** The seq comes from the table's identity, drawn only while the append lock is held. */
  async append(entry: NewRevocation): Promise<RevocationRecord> {
    return inTransaction(this.#context, async (trx) => {
      await lockAppends(trx, this.#context.dialect);
      const row = await trx
        .insertInto('revocations')
        .values({
          id: entry.id,
          kind: entry.kind,
          key: entry.key,
          at: entry.at,
          expires_at: entry.expiresAt,
          reason: entry.reason,
          note: entry.note,
          actor_type: entry.actor.type,
          actor_id: entry.actor.id,
          created_at: toMillis(entry.createdAt),
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      const record = rowToRevocation(row);
      this.#context.changes?.revocations.push(record);
      return record;
    });
  }

  async listLive(after: number, now: number, limit: number): Promise<readonly RevocationRecord[]> {
    const rows = await this.#context.db
      .selectFrom('revocations')
      .selectAll()
      .where('seq', '>', after)
      .where('expires_at', '>', now)
      .orderBy('seq')
      .limit(Math.max(0, Math.floor(limit)))
      .execute();
    return rows.map(rowToRevocation);
  }

  async head(): Promise<number> {
    const row = await this.#context.db
      .selectFrom('revocations')
      .select((eb) => eb.fn.max('seq').as('head'))
      .executeTakeFirst();
    return row?.head === null || row?.head === undefined ? 0 : Number(row.head);
  }

  async findById(id: RevocationId): Promise<RevocationRecord | undefined> {
    const row = await this.#context.db
      .selectFrom('revocations')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row === undefined ? undefined : rowToRevocation(row);
  }
}
