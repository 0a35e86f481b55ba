import { sql } from 'kysely';
import { expect } from 'vitest';
import { createMigrator } from '../../src/adapters/storage/migrations/index.js';
import type { UserId } from '../../src/domain/ids.js';
import type { Store } from '../../src/ports/storage/store.js';
import { kyselyOf } from '../support/stores.js';
import { at, makeGroup, makeOutboxMessage, makeUser } from './fixtures.js';

/**
 * Takes an unmigrated store to 0001_initial only, writes a user the way that release did, then
 * runs `migrate()`: the data must survive and read back with the new fields null.
 */
export const checkUpgradeFromInitial = async (store: Store, schema?: string): Promise<void> => {
  const db = kyselyOf(store);
  if (schema !== undefined) await sql`create schema if not exists ${sql.id(schema)}`.execute(db);
  const migrator = createMigrator(db, store.dialect, schema);
  const { error } = await migrator.migrateTo('0001_initial');
  expect(error).toBeUndefined();
  await sql`insert into users (id, username, email, password_hash, roles, groups, active, totp_secret,
    mfa_required, created_at, updated_at)
    values ('usr_old', 'usr_old', 'usr_old@example.test', null, '[]', '["eng"]', 1, null, 0,
    ${at().getTime()}, ${at().getTime()})`.execute(db);
  await sql`insert into user_groups (user_id, group_name) values ('usr_old', 'eng')`.execute(db);

  await store.migrate();
  expect(await store.read((r) => r.users.findById('usr_old' as UserId))).toEqual(
    makeUser('usr_old', { groups: ['eng'] }),
  );
  await store.transaction((tx) => tx.groups.insert(makeGroup('eng')));
  expect(
    await store.transaction((tx) => tx.groups.update('grp_eng', { name: 'platform', updatedAt: at(1) })),
  ).toMatchObject({
    name: 'platform',
  });
  expect((await store.read((r) => r.users.findById('usr_old' as UserId)))?.groups).toEqual(['platform']);
  await store.transaction((tx) => tx.outbox.enqueue(makeOutboxMessage('msg_1')));
  expect(await store.transaction((tx) => tx.outbox.claimDue(at(), 10, 1000))).toHaveLength(1);
  expect(await store.transaction((tx) => tx.webhookEvents.recordOnce('hris', 'evt_1', at()))).toBe(true);
};
