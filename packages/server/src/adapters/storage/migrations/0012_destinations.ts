import type { Kysely, Migration } from 'kysely';
import type { StoreDialect } from '../schema.js';
import { columnTypes } from './column-types.js';

/**
 * The delivery engine (docs/destinations.md): one row per destination, a cursor over the audit
 * chain (`delivered_seq`) with the state of its current batch, and the events that exhausted
 * their attempts. No event is copied: the audit row, written in the transaction of its change,
 * is the delivery.
 */
export const destinations = (dialect: StoreDialect): Migration => ({
  async up(db: Kysely<unknown>): Promise<void> {
    const t = columnTypes(dialect);
    await db.schema
      .createTable('destinations')
      .addColumn('name', t.key, (c) => c.primaryKey())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('format', 'text', (c) => c.notNull())
      .addColumn('config', 'text', (c) => c.notNull())
      .addColumn('sealed_secrets', 'text')
      .addColumn('max_attempts', 'integer', (c) => c.notNull())
      .addColumn('delivered_seq', t.millis, (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull())
      .addColumn('next_attempt_at', t.millis, (c) => c.notNull())
      .addColumn('last_error', 'text')
      .addColumn('last_delivered_at', t.millis)
      .addColumn('paused', t.flag, (c) => c.notNull())
      .addColumn('created_at', t.millis, (c) => c.notNull())
      .addColumn('updated_at', t.millis, (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('destination_dead_letters')
      .addColumn('destination', t.key, (c) => c.notNull())
      .addColumn('seq', t.millis, (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull())
      .addColumn('last_error', 'text', (c) => c.notNull())
      .addColumn('dead_at', t.millis, (c) => c.notNull())
      .addColumn('retry_requested', t.flag, (c) => c.notNull())
      .addPrimaryKeyConstraint('destination_dead_letters_pkey', ['destination', 'seq'])
      .execute();
  },
});
