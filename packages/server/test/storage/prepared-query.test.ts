import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { preparedQuery } from '../../src/adapters/storage/prepared-query.js';
import type { StoreContext } from '../../src/adapters/storage/store-context.js';
import type { Store } from '../../src/ports/storage/store.js';
import { TEST_BACKENDS, kyselyOf, postgresTestsSkipped, testStores } from '../support/stores.js';
import { makeUser } from './fixtures.js';

const contextOf = (store: Store): StoreContext => ({ db: kyselyOf(store), dialect: store.dialect });

describe.each(TEST_BACKENDS)('prepared queries on %s', (backend) => {
  const skipped = backend === 'postgres' && postgresTestsSkipped();
  const stores = testStores(backend);
  afterAll(() => stores.dispose());

  it.skipIf(skipped)('binds the values of each run, not those it was prepared with', async () => {
    const store = await stores.create();
    const context = contextOf(store);
    for (const id of ['usr_a', 'usr_b', 'usr_c'])
      await store.transaction((tx) => tx.users.insert(makeUser(id)));
    const byUsername = preparedQuery((db, v: { readonly username: string; readonly active: number }) =>
      db.selectFrom('users').select(['id']).where('username', '=', v.username).where('active', '=', v.active),
    );
    expect(await byUsername.first(context, { username: 'usr_b', active: 1 })).toEqual({ id: 'usr_b' });
    expect(await byUsername.first(context, { username: 'usr_c', active: 1 })).toEqual({ id: 'usr_c' });
    expect(await byUsername.first(context, { username: 'usr_c', active: 0 })).toBeUndefined();
    // Inside a transaction too, where it sees the transaction's own writes.
    const seen = await context.db.transaction().execute(async (db) => {
      await db.updateTable('users').set({ active: 0 }).where('id', '=', 'usr_a').execute();
      return byUsername.all({ db, dialect: context.dialect }, { username: 'usr_a', active: 0 });
    });
    expect(seen).toEqual([{ id: 'usr_a' }]);
  });

  it.skipIf(skipped)('refuses a shape it cannot prepare, and runs with other values', async () => {
    const store = await stores.create();
    const context = contextOf(store);
    const inlined = preparedQuery((db, v: { readonly n: string }) =>
      db.selectFrom('users').select(['id']).where('username', '=', sql.lit(v.n)),
    );
    await expect(inlined.all(context, { n: 'usr_a' })).rejects.toThrow(/inlines a value/);
    const unused = preparedQuery((db, _v: { readonly username: string }) =>
      db.selectFrom('users').select(['id']),
    );
    await expect(unused.all(context, { username: 'x' })).rejects.toThrow(/does not use the value "username"/);

    const byId = preparedQuery((db, v: { readonly id: string }) =>
      db.selectFrom('users').select(['id']).where('id', '=', v.id),
    );
    await byId.all(context, { id: 'usr_a' });
    const loose = byId as unknown as { all(c: StoreContext, v: Record<string, unknown>): Promise<unknown> };
    await expect(loose.all(context, { id: undefined })).rejects.toThrow(/without the value "id"/);
    await expect(loose.all(context, { id: 'usr_a', extra: 1 })).rejects.toThrow(/other values/);
  });
});
