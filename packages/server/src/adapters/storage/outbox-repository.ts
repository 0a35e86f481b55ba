import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import { CutoffError } from '../../domain/errors.js';
import type { OutboxMessage, OutboxStatus } from '../../domain/records.js';
import type { OutboxRepository } from '../../ports/storage/outbox.js';
import { outboxMessageToRow, rowToOutboxMessage, toMillis } from './row-mapping.js';
import type { Database } from './schema.js';
import { insertedRows, inTransaction, updatedRows } from './store-context.js';
import type { StoreContext } from './store-context.js';

/** A literal, not a parameter, so SQLite can use the partial index on pending messages. */
const PENDING = sql.lit<OutboxStatus>('pending');

const oldestFirst = (a: OutboxMessage, b: OutboxMessage): number =>
  a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

export class KyselyOutboxRepository implements OutboxRepository {
  readonly #context: StoreContext;

  constructor(context: StoreContext) {
    this.#context = context;
  }

  async enqueue(message: OutboxMessage): Promise<void> {
    // ON CONFLICT DO NOTHING keeps a surrounding PostgreSQL transaction usable after a conflict.
    const result = await this.#context.db
      .insertInto('outbox')
      .values(outboxMessageToRow(message))
      .onConflict((oc) => oc.doNothing())
      .executeTakeFirst();
    if (insertedRows(result) === 0) {
      throw new CutoffError('ERR_CONFLICT', {
        message: 'An outbox message with this id already exists.',
        detail: `duplicate outbox message id ${message.id}`,
      });
    }
    this.#context.changes?.outboxMessages.push(message);
  }

  /**
   * One UPDATE over the due ids. On PostgreSQL the ids are picked `FOR UPDATE SKIP LOCKED`, so a
   * concurrent claimer skips rows another is taking and re-checks the due time of rows committed
   * meanwhile; on SQLite the statement runs in an immediate (write-locked) transaction.
   */
  async claimDue(now: Date, limit: number, leaseMs: number): Promise<readonly OutboxMessage[]> {
    const count = Math.max(0, Math.floor(limit));
    if (count === 0) return [];
    const leaseUntil = toMillis(now) + Math.max(0, Math.floor(leaseMs));
    const postgres = this.#context.dialect === 'postgres';
    const claim = (db: Kysely<Database>) =>
      db
        .updateTable('outbox')
        .set((eb) => ({ attempts: eb('attempts', '+', 1), next_attempt_at: leaseUntil }))
        .where(
          'id',
          'in',
          db
            .selectFrom('outbox')
            .select('id')
            .where('status', '=', PENDING)
            .where('next_attempt_at', '<=', toMillis(now))
            .orderBy('next_attempt_at')
            .orderBy('id')
            .limit(count)
            .$if(postgres, (qb) => qb.forUpdate().skipLocked()),
        )
        .where('status', '=', PENDING)
        .returningAll()
        .execute();
    const rows = postgres ? await claim(this.#context.db) : await inTransaction(this.#context, claim);
    return rows.map(rowToOutboxMessage).sort(oldestFirst);
  }

  async markDelivered(id: string, at: Date): Promise<boolean> {
    const result = await this.#context.db
      .updateTable('outbox')
      .set({ status: 'delivered', delivered_at: toMillis(at) })
      .where('id', '=', id)
      .where('status', '=', PENDING)
      .executeTakeFirst();
    return updatedRows(result) === 1;
  }

  async markFailed(id: string, error: string, nextAttemptAt: Date | null): Promise<boolean> {
    const result = await this.#context.db
      .updateTable('outbox')
      .set(
        nextAttemptAt === null
          ? { status: 'dead', last_error: error }
          : { last_error: error, next_attempt_at: toMillis(nextAttemptAt) },
      )
      .where('id', '=', id)
      .where('status', '=', PENDING)
      .executeTakeFirst();
    return updatedRows(result) === 1;
  }

  async findById(id: string): Promise<OutboxMessage | undefined> {
    const row = await this.#context.db
      .selectFrom('outbox')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row === undefined ? undefined : rowToOutboxMessage(row);
  }

  async requeueDead(id: string, at: Date): Promise<boolean> {
    const result = await this.#context.db
      .updateTable('outbox')
      .set({ status: PENDING, attempts: 0, next_attempt_at: toMillis(at) })
      .where('id', '=', id)
      .where('status', '=', 'dead')
      .executeTakeFirst();
    return updatedRows(result) === 1;
  }

  async list(query: {
    readonly status?: OutboxStatus;
    readonly limit: number;
  }): Promise<readonly OutboxMessage[]> {
    let select = this.#context.db.selectFrom('outbox').selectAll();
    if (query.status !== undefined) select = select.where('status', '=', query.status);
    const rows = await select
      .orderBy('created_at')
      .orderBy('id')
      .limit(Math.max(0, Math.floor(query.limit)))
      .execute();
    return rows.map(rowToOutboxMessage);
  }

  async countOpen(): Promise<{ readonly pending: number; readonly dead: number }> {
    const rows = await this.#context.db
      .selectFrom('outbox')
      .select((eb) => ['status', eb.fn.countAll<number>().as('count')])
      .where('status', 'in', [PENDING, 'dead'])
      .groupBy('status')
      .execute();
    const count = (status: string): number => Number(rows.find((row) => row.status === status)?.count ?? 0);
    return { pending: count('pending'), dead: count('dead') };
  }
}
