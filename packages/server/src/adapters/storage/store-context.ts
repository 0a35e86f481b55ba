import { sql } from 'kysely';
import type { InsertResult, Kysely, UpdateResult } from 'kysely';
import type { ChangeLog } from './change-log.js';
import type { Database, StoreDialect } from './schema.js';

/** What every repository is built on: the root database or one transaction of it. */
export interface StoreContext {
  readonly db: Kysely<Database>;
  readonly dialect: StoreDialect;
  /**
   * Inside `store.transaction`: where appends and enqueues record what they wrote, published
   * after COMMIT. Absent on the root store, whose writes no one publishes.
   */
  readonly changes?: ChangeLog | undefined;
}

/**
 * Runs `work` in the context's transaction, or in a new one when the repository is used outside
 * `store.transaction` (for operations that take several statements).
 */
export const inTransaction = <T>(
  context: StoreContext,
  work: (trx: Kysely<Database>) => Promise<T>,
): Promise<T> => (context.db.isTransaction ? work(context.db) : context.db.transaction().execute(work));

/**
 * The advisory lock that serializes every seq-assigning append (revocations and audit), one per
 * schema: the two-key form, a fixed class and a hash of the connection's schema (its search_path).
 * A single database-wide key made stores in different schemas of one database (deployments side
 * by side, parallel test runs) wait for each other's appends, and joined their lock cycles into
 * deadlocks. Two schemas whose names hash alike share a lock: slower, never wrong.
 */
export const APPEND_LOCK_CLASS = 443211710;

/**
 * Serializes appends until the end of the transaction, so seqs are assigned in commit order. On
 * SQLite, transactions already hold the write lock from their start (`BEGIN IMMEDIATE`) and share
 * one connection, so there is nothing to take.
 */
export const lockAppends = async (trx: Kysely<Database>, dialect: StoreDialect): Promise<void> => {
  if (!trx.isTransaction) throw new Error('lockAppends needs a transaction');
  if (dialect === 'postgres') {
    await sql`select pg_advisory_xact_lock(${sql.raw(String(APPEND_LOCK_CLASS))}, hashtext(coalesce(current_schema(), '')))`.execute(
      trx,
    );
  }
};

/** Rows an UPDATE changed, as a number. */
export const updatedRows = (result: UpdateResult): number => Number(result.numUpdatedRows);

/** Rows an INSERT added (0 when ON CONFLICT DO NOTHING skipped it), as a number. */
export const insertedRows = (result: InsertResult): number => Number(result.numInsertedOrUpdatedRows ?? 0n);
