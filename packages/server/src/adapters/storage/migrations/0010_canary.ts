import type { Kysely, Migration } from 'kysely';
import type { StoreDialect } from '../schema.js';
import { columnTypes } from './column-types.js';

/** The canary: registered probes, the results of its cycles, and named leases across replicas. */
export const canary = (dialect: StoreDialect): Migration => ({
  async up(db: Kysely<unknown>): Promise<void> {
    const t = columnTypes(dialect);
    await db.schema
      .createTable('canary_probes')
      .ifNotExists()
      .addColumn('name', t.key, (c) => c.primaryKey())
      .addColumn('url', 'text', (c) => c.notNull())
      .addColumn('method', 'text', (c) => c.notNull())
      .addColumn('header_names', 'text', (c) => c.notNull())
      .addColumn('sealed_headers', 'text')
      .addColumn('timeout_ms', 'integer', (c) => c.notNull())
      .addColumn('created_at', t.millis, (c) => c.notNull())
      .addColumn('updated_at', t.millis, (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('canary_runs')
      .ifNotExists()
      .addColumn('id', t.key, (c) => c.primaryKey())
      .addColumn('started_at', t.millis, (c) => c.notNull())
      .addColumn('finished_at', t.millis, (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('ok', t.flag, (c) => c.notNull())
      .addColumn('result', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('canary_runs_started_idx')
      .ifNotExists()
      .on('canary_runs')
      .columns(['started_at', 'id'])
      .execute();
    await db.schema
      .createTable('leases')
      .ifNotExists()
      .addColumn('name', t.key, (c) => c.primaryKey())
      .addColumn('holder', 'text', (c) => c.notNull())
      .addColumn('expires_at', t.millis, (c) => c.notNull())
      .execute();
  },
});
