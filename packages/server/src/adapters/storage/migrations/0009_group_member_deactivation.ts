import type { Kysely, Migration } from 'kysely';

/**
 * A group's end can deactivate the members who belong to no other group (`exclusive`); the
 * schedule needs the choice on the record. Existing groups keep today's behaviour (`none`).
 */
export const groupMemberDeactivation = (): Migration => ({
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .alterTable('groups')
      .addColumn('deactivate_members', 'text', (c) => c.notNull().defaultTo('none'))
      .execute();
  },
});
