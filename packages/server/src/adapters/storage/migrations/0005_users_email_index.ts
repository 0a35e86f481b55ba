import { sql } from 'kysely';
import type { Kysely, Migration } from 'kysely';

/** Webhooks find users by email (case-insensitive): an index on lower(email), on both dialects. */
export const usersEmailIndex = (): Migration => ({
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createIndex('users_email_lower_idx')
      .ifNotExists()
      .on('users')
      .expression(sql`lower(email)`)
      .execute();
  },
});
