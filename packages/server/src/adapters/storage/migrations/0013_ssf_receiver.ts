import type { Kysely, Migration } from 'kysely';
import type { StoreDialect } from '../schema.js';
import { columnTypes } from './column-types.js';

/**
 * Trusted Shared Signals transmitters (the SSF receiver). The issuer is unique: a SET's `iss`
 * selects the one transmitter whose keys must verify it. Their `jti`s share `webhook_events`.
 */
export const ssfReceiver = (dialect: StoreDialect): Migration => ({
  async up(db: Kysely<unknown>): Promise<void> {
    const t = columnTypes(dialect);
    await db.schema
      .createTable('ssf_transmitters')
      .ifNotExists()
      .addColumn('name', t.key, (c) => c.primaryKey())
      .addColumn('issuer', t.key, (c) => c.notNull().unique())
      .addColumn('jwks_uri', 'text', (c) => c.notNull())
      .addColumn('audience', 'text')
      .addColumn('max_age_seconds', 'integer', (c) => c.notNull())
      .addColumn('created_at', t.millis, (c) => c.notNull())
      .addColumn('updated_at', t.millis, (c) => c.notNull())
      .execute();
  },
});
