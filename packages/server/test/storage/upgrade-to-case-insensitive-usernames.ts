import { sql } from 'kysely';
import { expect } from 'vitest';
import { createMigrator } from '../../src/adapters/storage/migrations/index.js';
import type { UserId } from '../../src/domain/ids.js';
import type { Store } from '../../src/ports/storage/store.js';
import { kyselyOf } from '../support/stores.js';
import { at, makeUser } from './fixtures.js';

/**
 * Takes an unmigrated store to 0006_login_failures, writes users the way that release did, some
 * of them differing only in letter case, then runs `migrate()`: it must refuse, name every
 * duplicate, change nothing, and succeed once the duplicates are resolved, with usernames then
 * unique and found in any case, displayed as created.
 */
export const checkUpgradeToCaseInsensitiveUsernames = async (
  store: Store,
  schema?: string,
): Promise<void> => {
  const db = kyselyOf(store);
  if (schema !== undefined) await sql`create schema if not exists ${sql.id(schema)}`.execute(db);
  const migrator = createMigrator(db, store.dialect, schema);
  const { error } = await migrator.migrateTo('0006_login_failures');
  expect(error).toBeUndefined();
  const insertOld = async (id: string, username: string): Promise<void> => {
    await sql`insert into users (id, username, email, password_hash, roles, groups, active, totp_secret,
      mfa_required, created_at, updated_at, external_id, display_name, given_name, family_name)
      values (${id}, ${username}, ${`${id}@example.test`}, null, '[]', '[]', 1, null, 0,
      ${at().getTime()}, ${at().getTime()}, null, null, null, null)`.execute(db);
  };
  await insertOld('usr_1', 'Olivia@Example.com');
  await insertOld('usr_2', 'olivia@EXAMPLE.com');
  await insertOld('usr_3', 'bob');
  await insertOld('usr_4', 'BOB');
  await insertOld('usr_5', 'Bob');
  await insertOld('usr_6', 'carol');

  const refusal = await store.migrate().then(
    () => undefined,
    (failure: unknown) => failure,
  );
  expect(refusal).toBeInstanceOf(Error);
  const message = (refusal as Error).message;
  expect(message).toContain('0007_identity');
  expect(message).toContain('"BOB" (usr_4) = "Bob" (usr_5) = "bob" (usr_3)');
  expect(message).toContain('"Olivia@Example.com" (usr_1) = "olivia@EXAMPLE.com" (usr_2)');
  expect(message).toMatch(/Nothing was changed\. Keep one user of each and rename/);
  expect(message).not.toContain('carol');
  const applied = (await migrator.getMigrations()).filter((migration) => migration.executedAt !== undefined);
  expect(applied.map((migration) => migration.name).at(-1)).toBe('0006_login_failures');

  // The operator resolves the duplicates (with the old release), then starts again.
  await sql`update users set username = 'olivia.2@example.com' where id = 'usr_2'`.execute(db);
  await sql`delete from users where id in ('usr_4', 'usr_5')`.execute(db);
  await store.migrate();

  expect(await store.read((r) => r.users.findByUsername('OLIVIA@EXAMPLE.COM'))).toEqual(
    makeUser('usr_1', { username: 'Olivia@Example.com' }),
  );
  expect((await store.read((r) => r.users.findByUsername('Olivia.2@Example.com')))?.id).toBe('usr_2');
  expect((await store.read((r) => r.users.findByUsername('BoB')))?.id).toBe('usr_3');
  await expect(
    store.transaction((tx) => tx.users.insert(makeUser('usr_7', { username: 'CAROL' }))),
  ).rejects.toMatchObject({
    code: 'ERR_CONFLICT',
  });
  expect(await store.read((r) => r.users.findById('usr_7' as UserId))).toBeUndefined();
};
