import { sql } from 'kysely';
import type { Kysely, Migration } from 'kysely';
import type { StoreDialect } from '../schema.js';

/**
 * Revocations change `status` on sessions and refresh tokens, often for many rows at once. No
 * index of those tables includes `status` any more: on PostgreSQL an update that changes an
 * indexed column can never be HOT (a new entry in every index of the table for every row), and
 * on SQLite it rewrites the entry of each such index. The queries now find rows by user, client
 * or session and check the status on the row. A partial index `WHERE status = 'active'` would
 * block HOT in the same way, since the revocation moves rows out of it.
 *
 * PostgreSQL also leaves half of each new page of these tables free (fillfactor 50): a HOT update
 * needs room for the new row version on the same page, and a cutoff of a group or a client
 * updates most rows of the pages it touches, once each. The setting applies to pages written from
 * now on (existing pages keep their layout until rewritten, e.g. by `VACUUM FULL`).
 */
export const revocationIndexes = (dialect: StoreDialect): Migration => ({
  async up(db: Kysely<unknown>): Promise<void> {
    const schema = db.schema;
    await schema.createIndex('sessions_user_idx').ifNotExists().on('sessions').column('user_id').execute();
    await schema
      .createIndex('sessions_client_idx')
      .ifNotExists()
      .on('sessions')
      .column('client_id')
      .execute();
    await schema
      .createIndex('refresh_tokens_session_idx')
      .ifNotExists()
      .on('refresh_tokens')
      .column('session_id')
      .execute();
    await schema.dropIndex('sessions_user_status_idx').ifExists().execute();
    await schema.dropIndex('sessions_client_status_idx').ifExists().execute();
    await schema.dropIndex('refresh_tokens_session_status_idx').ifExists().execute();
    if (dialect === 'postgres') {
      await sql`alter table sessions set (fillfactor = 50)`.execute(db);
      await sql`alter table refresh_tokens set (fillfactor = 50)`.execute(db);
    }
  },
});
