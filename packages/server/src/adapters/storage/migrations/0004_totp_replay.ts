import type { Kysely, Migration } from 'kysely';
import type { StoreDialect } from '../schema.js';
import { columnTypes } from './column-types.js';

/** TOTP codes become single-use (RFC 6238 section 5.2): the last step each user logged in with. */
export const totpReplay = (dialect: StoreDialect): Migration => ({
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('users').addColumn('totp_last_step', columnTypes(dialect).seconds).execute();
  },
});
