import type { Kysely, Migration } from 'kysely';
import type { StoreDialect } from '../schema.js';
import { columnTypes } from './column-types.js';

/** Login rate limiting shared by every replica: failure counters per key in fixed windows. */
export const loginFailures = (dialect: StoreDialect): Migration => ({
  async up(db: Kysely<unknown>): Promise<void> {
    const t = columnTypes(dialect);
    await db.schema
      .createTable('login_failures')
      .ifNotExists()
      .addColumn('key', t.key, (c) => c.notNull())
      .addColumn('window_start', t.millis, (c) => c.notNull())
      .addColumn('failures', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint('login_failures_pkey', ['key', 'window_start'])
      .execute();
    await db.schema
      .createIndex('login_failures_window_idx')
      .ifNotExists()
      .on('login_failures')
      .column('window_start')
      .execute();
  },
});
