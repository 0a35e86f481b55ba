import { sql } from 'kysely';
import type { Kysely, Migration, SqlBool } from 'kysely';
import type { StoreDialect } from '../schema.js';
import { columnTypes } from './column-types.js';

/**
 * SCIM attributes of users, group records (contractor end dates), the notification outbox and
 * webhook replay protection. Additive only: new tables and new nullable columns.
 */
export const businessEvents = (dialect: StoreDialect): Migration => ({
  async up(db: Kysely<unknown>): Promise<void> {
    const t = columnTypes(dialect);
    const schema = db.schema;

    // One column per statement: SQLite's ALTER TABLE adds one at a time.
    await schema.alterTable('users').addColumn('external_id', t.key).execute();
    await schema.alterTable('users').addColumn('display_name', 'text').execute();
    await schema.alterTable('users').addColumn('given_name', 'text').execute();
    await schema.alterTable('users').addColumn('family_name', 'text').execute();
    await schema
      .createIndex('users_external_id_idx')
      .ifNotExists()
      .on('users')
      .columns(['external_id', 'id'])
      .execute();

    await schema
      .createTable('groups')
      .ifNotExists()
      .addColumn('id', t.key, (c) => c.primaryKey())
      .addColumn('name', t.key, (c) => c.notNull().unique())
      .addColumn('display_name', 'text', (c) => c.notNull())
      .addColumn('external_id', t.key)
      .addColumn('end_at', t.millis)
      .addColumn('ended_at', t.millis)
      .addColumn('created_at', t.millis, (c) => c.notNull())
      .addColumn('updated_at', t.millis, (c) => c.notNull())
      .execute();
    await schema
      .createIndex('groups_external_id_idx')
      .ifNotExists()
      .on('groups')
      .columns(['external_id', 'id'])
      .execute();
    // Only the groups still waiting for their end date: what the schedule polls.
    await schema
      .createIndex('groups_due_idx')
      .ifNotExists()
      .on('groups')
      .columns(['end_at', 'id'])
      .where(sql<SqlBool>`end_at is not null and ended_at is null`)
      .execute();

    await schema
      .createTable('outbox')
      .ifNotExists()
      .addColumn('id', t.key, (c) => c.primaryKey())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('payload', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull())
      .addColumn('next_attempt_at', t.millis, (c) => c.notNull())
      .addColumn('last_error', 'text')
      .addColumn('created_at', t.millis, (c) => c.notNull())
      .addColumn('delivered_at', t.millis)
      .execute();
    await schema
      .createIndex('outbox_pending_idx')
      .ifNotExists()
      .on('outbox')
      .columns(['next_attempt_at', 'id'])
      .where(sql<SqlBool>`status = 'pending'`)
      .execute();
    await schema
      .createIndex('outbox_status_idx')
      .ifNotExists()
      .on('outbox')
      .columns(['status', 'created_at', 'id'])
      .execute();

    await schema
      .createTable('webhook_events')
      .ifNotExists()
      .addColumn('source', t.key, (c) => c.notNull())
      .addColumn('event_id', t.key, (c) => c.notNull())
      .addColumn('received_at', t.millis, (c) => c.notNull())
      .addPrimaryKeyConstraint('webhook_events_pkey', ['source', 'event_id'])
      .execute();
    await schema
      .createIndex('webhook_events_received_at_idx')
      .ifNotExists()
      .on('webhook_events')
      .column('received_at')
      .execute();
  },
});
