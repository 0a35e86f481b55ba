import type { Selectable } from 'kysely';
import type { EventFormat } from '../../ports/destination-sender.js';
import type {
  DeadLetterRecord,
  DeliveryFence,
  DestinationRecord,
  DestinationRepository,
} from '../../ports/storage/destinations.js';
import { fromMillis, fromMillisOrNull, toFlag, toMillis, toMillisOrNull } from './row-mapping.js';
import type { DestinationDeadLettersTable, DestinationsTable } from './schema.js';
import { insertedRows, updatedRows } from './store-context.js';
import type { StoreContext } from './store-context.js';

const rowToDestination = (row: Selectable<DestinationsTable>): DestinationRecord => ({
  name: row.name,
  type: row.type,
  format: row.format as EventFormat,
  config: JSON.parse(row.config) as Record<string, unknown>,
  sealedSecrets: row.sealed_secrets,
  maxAttempts: Number(row.max_attempts),
  deliveredSeq: Number(row.delivered_seq),
  attempts: Number(row.attempts),
  nextAttemptAt: fromMillis(row.next_attempt_at),
  lastError: row.last_error,
  lastDeliveredAt: fromMillisOrNull(row.last_delivered_at),
  paused: Number(row.paused) === 1,
  createdAt: fromMillis(row.created_at),
  updatedAt: fromMillis(row.updated_at),
});

const rowToDeadLetter = (row: Selectable<DestinationDeadLettersTable>): DeadLetterRecord => ({
  destination: row.destination,
  seq: Number(row.seq),
  attempts: Number(row.attempts),
  lastError: row.last_error,
  deadAt: fromMillis(row.dead_at),
  retryRequested: Number(row.retry_requested) === 1,
});

export class KyselyDestinationRepository implements DestinationRepository {
  readonly #context: StoreContext;

  constructor(context: StoreContext) {
    this.#context = context;
  }

  async put(destination: DestinationRecord): Promise<boolean> {
    const row: Selectable<DestinationsTable> = {
      name: destination.name,
      type: destination.type,
      format: destination.format,
      config: JSON.stringify(destination.config),
      sealed_secrets: destination.sealedSecrets,
      max_attempts: destination.maxAttempts,
      delivered_seq: destination.deliveredSeq,
      attempts: destination.attempts,
      next_attempt_at: toMillis(destination.nextAttemptAt),
      last_error: destination.lastError,
      last_delivered_at: toMillisOrNull(destination.lastDeliveredAt),
      paused: toFlag(destination.paused),
      created_at: toMillis(destination.createdAt),
      updated_at: toMillis(destination.updatedAt),
    };
    const inserted = await this.#context.db
      .insertInto('destinations')
      .values(row)
      .onConflict((oc) => oc.doNothing())
      .executeTakeFirst();
    if (insertedRows(inserted) === 1) return true;
    // A replacement keeps the creation time and the cursor with its batch state: changing a URL
    // or a secret must neither skip nor resend events.
    await this.#context.db
      .updateTable('destinations')
      .set({
        type: row.type,
        format: row.format,
        config: row.config,
        sealed_secrets: row.sealed_secrets,
        max_attempts: row.max_attempts,
        paused: row.paused,
        updated_at: row.updated_at,
        // A new configuration deserves a prompt first try, not the old one's backoff.
        next_attempt_at: row.updated_at,
      })
      .where('name', '=', row.name)
      .execute();
    return false;
  }

  async find(name: string): Promise<DestinationRecord | undefined> {
    const row = await this.#context.db
      .selectFrom('destinations')
      .selectAll()
      .where('name', '=', name)
      .executeTakeFirst();
    return row === undefined ? undefined : rowToDestination(row);
  }

  async list(): Promise<readonly DestinationRecord[]> {
    const rows = await this.#context.db.selectFrom('destinations').selectAll().orderBy('name').execute();
    return rows.map(rowToDestination);
  }

  async replaceSealedSecrets(name: string, expected: string, sealedSecrets: string): Promise<boolean> {
    const result = await this.#context.db
      .updateTable('destinations')
      .set({ sealed_secrets: sealedSecrets })
      .where('name', '=', name)
      .where('sealed_secrets', '=', expected)
      .executeTakeFirst();
    return updatedRows(result) === 1;
  }

  async delete(name: string): Promise<boolean> {
    await this.#context.db.deleteFrom('destination_dead_letters').where('destination', '=', name).execute();
    const result = await this.#context.db
      .deleteFrom('destinations')
      .where('name', '=', name)
      .executeTakeFirst();
    return Number(result.numDeletedRows) === 1;
  }

  /**
   * One UPDATE whose WHERE holds both conditions, the cursor and the lease: on PostgreSQL the
   * lease row read in the subquery is the committed one, so a replica whose lease was taken over
   * updates nothing; SQLite serializes writers.
   */
  async advance(
    name: string,
    fromSeq: number,
    toSeq: number,
    at: Date,
    fence: DeliveryFence,
  ): Promise<boolean> {
    const result = await this.#context.db
      .updateTable('destinations')
      .set({
        delivered_seq: toSeq,
        attempts: 0,
        last_error: null,
        last_delivered_at: toMillis(at),
        next_attempt_at: toMillis(at),
      })
      .where('name', '=', name)
      .where('delivered_seq', '=', fromSeq)
      .where((eb) => eb.exists(this.#leaseHeld(fence)))
      .executeTakeFirst();
    return updatedRows(result) === 1;
  }

  async recordFailure(
    name: string,
    atSeq: number,
    failure: { readonly attempts: number; readonly nextAttemptAt: Date; readonly error: string },
    fence: DeliveryFence,
  ): Promise<boolean> {
    const result = await this.#context.db
      .updateTable('destinations')
      .set({
        attempts: failure.attempts,
        next_attempt_at: toMillis(failure.nextAttemptAt),
        last_error: failure.error,
      })
      .where('name', '=', name)
      .where('delivered_seq', '=', atSeq)
      .where((eb) => eb.exists(this.#leaseHeld(fence)))
      .executeTakeFirst();
    return updatedRows(result) === 1;
  }

  async rewind(name: string, fromSeq: number, at: Date): Promise<boolean> {
    const result = await this.#context.db
      .updateTable('destinations')
      .set({ delivered_seq: Math.max(0, fromSeq - 1), attempts: 0, next_attempt_at: toMillis(at) })
      .where('name', '=', name)
      .executeTakeFirst();
    return updatedRows(result) === 1;
  }

  async insertDeadLetter(letter: DeadLetterRecord): Promise<void> {
    const row: Selectable<DestinationDeadLettersTable> = {
      destination: letter.destination,
      seq: letter.seq,
      attempts: letter.attempts,
      last_error: letter.lastError,
      dead_at: toMillis(letter.deadAt),
      retry_requested: toFlag(letter.retryRequested),
    };
    await this.#context.db
      .insertInto('destination_dead_letters')
      .values(row)
      .onConflict((oc) =>
        oc.columns(['destination', 'seq']).doUpdateSet({
          attempts: row.attempts,
          last_error: row.last_error,
          dead_at: row.dead_at,
          retry_requested: row.retry_requested,
        }),
      )
      .execute();
  }

  async listDeadLetters(
    name: string,
    query: { readonly limit: number; readonly afterSeq?: number; readonly retryRequested?: boolean },
  ): Promise<readonly DeadLetterRecord[]> {
    let select = this.#context.db
      .selectFrom('destination_dead_letters')
      .selectAll()
      .where('destination', '=', name)
      .where('seq', '>', query.afterSeq ?? 0);
    if (query.retryRequested !== undefined)
      select = select.where('retry_requested', '=', toFlag(query.retryRequested));
    const rows = await select
      .orderBy('seq')
      .limit(Math.max(0, Math.floor(query.limit)))
      .execute();
    return rows.map(rowToDeadLetter);
  }

  async countDeadLetters(name: string): Promise<number> {
    const row = await this.#context.db
      .selectFrom('destination_dead_letters')
      .select((eb) => eb.fn.countAll<number | string | bigint>().as('count'))
      .where('destination', '=', name)
      .executeTakeFirst();
    return Number(row?.count ?? 0);
  }

  async requestRetry(name: string, seq: number): Promise<boolean> {
    const result = await this.#context.db
      .updateTable('destination_dead_letters')
      .set({ retry_requested: 1 })
      .where('destination', '=', name)
      .where('seq', '=', seq)
      .executeTakeFirst();
    return updatedRows(result) === 1;
  }

  async deleteDeadLetter(name: string, seq: number): Promise<boolean> {
    const result = await this.#context.db
      .deleteFrom('destination_dead_letters')
      .where('destination', '=', name)
      .where('seq', '=', seq)
      .executeTakeFirst();
    return Number(result.numDeletedRows) === 1;
  }

  async failDeadLetter(name: string, seq: number, attempts: number, error: string): Promise<boolean> {
    const result = await this.#context.db
      .updateTable('destination_dead_letters')
      .set({ retry_requested: 0, attempts, last_error: error })
      .where('destination', '=', name)
      .where('seq', '=', seq)
      .executeTakeFirst();
    return updatedRows(result) === 1;
  }

  async auditHead(): Promise<number> {
    const row = await this.#context.db
      .selectFrom('audit_events')
      .select((eb) => eb.fn.max('seq').as('head'))
      .executeTakeFirst();
    return Number(row?.head ?? 0);
  }

  async leaseHolder(lease: string, now: Date): Promise<string | undefined> {
    const row = await this.#context.db
      .selectFrom('leases')
      .select('holder')
      .where('name', '=', lease)
      .where('expires_at', '>', toMillis(now))
      .executeTakeFirst();
    return row?.holder;
  }

  #leaseHeld(fence: DeliveryFence) {
    return this.#context.db
      .selectFrom('leases')
      .select('name')
      .where('name', '=', fence.lease)
      .where('holder', '=', fence.holder)
      .where('expires_at', '>', toMillis(fence.now));
  }
}
