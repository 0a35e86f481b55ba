import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { createSqliteStore, SQLITE_FILENAME } from '../../src/adapters/storage/index.js';
import { kyselyOf, sqliteTestStores } from '../support/stores.js';
import { makeUser } from './fixtures.js';
import { describeStoreConformance } from './store-conformance.js';
import { checkUpgradeFromInitial } from './upgrade-from-initial.js';

const stores = sqliteTestStores();
afterAll(() => stores.dispose());

describeStoreConformance('SQLite', () => stores.create());

describe('SQLite store', () => {
  it('creates the data directory and cutoff.db with WAL, foreign keys and a busy timeout', async () => {
    const root = await mkdtemp(join(tmpdir(), 'cutoff-sqlite-'));
    try {
      const dataDir = join(root, 'nested', 'data');
      const store = createSqliteStore({ dataDir });
      try {
        await store.migrate();
        expect(existsSync(join(dataDir, SQLITE_FILENAME))).toBe(true);
        const db = kyselyOf(store);
        const pragma = async (name: string): Promise<unknown> =>
          Object.values(
            (await sql<Record<string, unknown>>`pragma ${sql.raw(name)}`.execute(db)).rows[0] ?? {},
          )[0];
        expect(await pragma('journal_mode')).toBe('wal');
        expect(await pragma('foreign_keys')).toBe(1);
        expect(await pragma('busy_timeout')).toBe(5000);
        expect(await pragma('synchronous')).toBe(1); // NORMAL
      } finally {
        await store.close();
      }
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('upgrades a database of the first release in place', async () => {
    const root = await mkdtemp(join(tmpdir(), 'cutoff-sqlite-'));
    try {
      const store = createSqliteStore({ dataDir: root });
      try {
        await checkUpgradeFromInitial(store);
      } finally {
        await store.close();
      }
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('fails fast instead of deadlocking when the root store is used inside a transaction', async () => {
    const store = await stores.create();
    await expect(
      store.transaction(async (tx) => {
        await tx.users.insert(makeUser('usr_1'));
        return store.users.findById(makeUser('usr_1').id);
      }),
    ).rejects.toThrow(/inside store.transaction/);
    await expect(store.transaction(() => store.transaction(() => Promise.resolve(1)))).rejects.toThrow(
      /inside store.transaction/,
    );
    // Nothing was kept, and the store is usable again afterwards.
    expect(await store.users.findById(makeUser('usr_1').id)).toBeUndefined();
    await store.users.insert(makeUser('usr_2'));
    expect(await store.users.findById(makeUser('usr_2').id)).toBeDefined();
  });
});
