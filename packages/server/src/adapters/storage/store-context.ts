import { sql } from 'kysely';
import type { InsertResult, Kysely, UpdateResult } from 'kysely';
import type { Database, StoreDialect } from './schema.js';

/** What every repository is built on: the root database or one transaction of it. */
export interface StoreContext {
  readonly db: Kysely<Database>;
  readonly dialect: StoreDialect;
  /**
   * Runs before a prepared query, which skips Kysely's plugins: the root store's transaction
   * misuse check (see `TransactionMisuseGuard`), when it is on.
   */
  readonly beforeQuery?: (() => void) | undefined;
}

/**
 * Runs `work` in the context's transaction, or in a new one when the repository is used outside
 * `store.transaction` (for operations that take several statements).
 */
export const inTransaction = <T>(
  context: StoreContext,
  work: (trx: Kysely<Database>) => Promise<T>,
): Promise<T> => (context.db.isTransaction ? work(context.db) : context.db.transaction().execute(work));

/** One fixed advisory-lock key serializes every seq-assigning append (revocations and audit). */
const APPEND_LOCK_KEY = '4432117101000001';

/**
 * Serializes appends until the end of the transaction, so seqs are assigned in commit order. On
 * SQLite, transactions already hold the write lock from their start (`BEGIN IMMEDIATE`) and share
 * one connection, so there is nothing to take.
 */
export const lockAppends = async (trx: Kysely<Database>, dialect: StoreDialect): Promise<void> => {
  if (!trx.isTransaction) throw new Error('lockAppends needs a transaction');
  if (dialect === 'postgres') {
    await sql`select pg_advisory_xact_lock(${sql.raw(APPEND_LOCK_KEY)})`.execute(trx);
  }
};

/** Rows an UPDATE changed, as a number. */
export const updatedRows = (result: UpdateResult): number => Number(result.numUpdatedRows);

/** Rows an INSERT added (0 when ON CONFLICT DO NOTHING skipped it), as a number. */
export const insertedRows = (result: InsertResult): number => Number(result.numInsertedOrUpdatedRows ?? 0n);
