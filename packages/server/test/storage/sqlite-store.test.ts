import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import { sql } from 'kysely';
import type { SqliteDatabase } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { createSqliteStore, SQLITE_FILENAME } from '../../src/adapters/storage/index.js';
import { withStatementCache } from '../../src/adapters/storage/sqlite-dialect.js';
import { kyselyOf, sqliteTestStores } from '../support/stores.js';
import { describeStoreConformance } from './store-conformance.js';
import { checkUpgradeFromInitial } from './upgrade-from-initial.js';
import { checkUpgradeToCaseInsensitiveUsernames } from './upgrade-to-case-insensitive-usernames.js';
import { checkUpgradeToRevocationIndexes } from './upgrade-to-revocation-indexes.js';

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

  it('upgrades a database of the second release to indexes without status, keeping its data', async () => {
    const store = createSqliteStore({ filename: ':memory:' });
    try {
      await checkUpgradeToRevocationIndexes(store);
    } finally {
      await store.close();
    }
  });

  it('refuses to upgrade to case-insensitive usernames while users differ only in case, naming them', async () => {
    const store = createSqliteStore({ filename: ':memory:' });
    try {
      await checkUpgradeToCaseInsensitiveUsernames(store);
    } finally {
      await store.close();
    }
  });

  it('prepares each SQL text once, keeps at most the cache size, and never shares a busy statement', () => {
    const database = new Sqlite(':memory:');
    const prepared: string[] = [];
    const counting: SqliteDatabase = {
      prepare: (text) => {
        prepared.push(text);
        return database.prepare(text);
      },
      close: () => database.close(),
    };
    const cached = withStatementCache(counting, 3);
    try {
      cached.prepare('create table t (n integer)').run([]);
      const insert = (n: number): void => void cached.prepare('insert into t (n) values (?)').run([n]);
      const select = (): unknown[] => cached.prepare('select n from t order by n').all([]);
      for (let n = 1; n <= 3; n++) insert(n);
      expect(select()).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
      expect(select()).toHaveLength(3);
      expect(prepared).toHaveLength(3);

      // A statement is reusable after it failed.
      expect(() => cached.prepare('insert into t (n) values (?)').run([])).toThrow();
      insert(4);
      expect(prepared).toHaveLength(3);

      // Two more texts push the least recently used ones (the DDL, then the select) out.
      cached.prepare('select count(*) from t').all([]);
      cached.prepare('select max(n) from t').all([]);
      insert(5);
      expect(select()).toHaveLength(5);
      expect(prepared.filter((text) => text.startsWith('insert'))).toHaveLength(1);
      expect(prepared.filter((text) => text.startsWith('select n'))).toHaveLength(2);

      // While a statement is iterating, the same text gets a statement of its own.
      const iterator = cached.prepare('select n from t order by n').iterate([]);
      expect(iterator.next().value).toEqual({ n: 1 });
      expect(select()).toHaveLength(5);
      expect(iterator.next().value).toEqual({ n: 2 });
      iterator.return?.();
      expect(prepared.filter((text) => text.startsWith('select n'))).toHaveLength(3);
      // The cached one is free again once the iteration ended.
      expect(select()).toHaveLength(5);
      expect(prepared.filter((text) => text.startsWith('select n'))).toHaveLength(3);
    } finally {
      cached.close();
    }
    expect(database.open).toBe(false);
  });
});
