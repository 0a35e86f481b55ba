import type { Kysely, Migration } from 'kysely';
import type { StoreDialect } from '../schema.js';
import { columnTypes } from './column-types.js';

/** API keys expire, and name who created them (the status and creator `GET /v1/api-keys` shows). */
export const apiKeyLifecycle = (dialect: StoreDialect): Migration => ({
  async up(db: Kysely<unknown>): Promise<void> {
    const t = columnTypes(dialect);
    await db.schema.alterTable('api_keys').addColumn('expires_at', t.millis).execute();
    await db.schema.alterTable('api_keys').addColumn('created_by_type', 'text').execute();
    await db.schema.alterTable('api_keys').addColumn('created_by_id', 'text').execute();
  },
});
