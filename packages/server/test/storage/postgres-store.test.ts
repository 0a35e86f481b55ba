import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createPostgresStore } from '../../src/adapters/storage/index.js';
import { dropSchemas, postgresTestsSkipped, postgresTestStores, testDatabaseUrl } from '../support/stores.js';
import { makeUser } from './fixtures.js';
import { describeStoreConformance } from './store-conformance.js';
import { checkUpgradeFromInitial } from './upgrade-from-initial.js';
import { checkUpgradeToCaseInsensitiveUsernames } from './upgrade-to-case-insensitive-usernames.js';
import { checkUpgradeToRevocationIndexes } from './upgrade-to-revocation-indexes.js';

describe.skipIf(postgresTestsSkipped())('PostgreSQL', () => {
  const stores = postgresTestStores({ shareSchema: true });
  afterAll(() => stores.dispose());

  describeStoreConformance('PostgreSQL', () => stores.create());

  describe('PostgreSQL store', () => {
    it('migrates the same fresh schema from two processes at once', async () => {
      const schema = `cutoff_test_concurrent_${process.pid}_${Date.now().toString(36)}`;
      const connectionString = testDatabaseUrl();
      const first = createPostgresStore({ connectionString, schema });
      const second = createPostgresStore({ connectionString, schema });
      try {
        await Promise.all([first.migrate(), second.migrate(), first.migrate()]);
        await first.transaction((tx) => tx.users.insert(makeUser('usr_1')));
        expect((await second.read((r) => r.users.findById(makeUser('usr_1').id)))?.username).toBe('usr_1');
      } finally {
        await Promise.all([first.close(), second.close()]);
        const client = new pg.Client({ connectionString });
        await client.connect();
        await client.query(`drop schema if exists "${schema}" cascade`);
        await client.end();
      }
    });

    it('migrates while other clients create and drop unrelated schemas', async () => {
      const connectionString = testDatabaseUrl();
      const tag = `${process.pid}_${Date.now().toString(36)}`;
      const churn = new pg.Client({ connectionString });
      await churn.connect();
      let churning = true;
      let churned = 0;
      const churnLoop = (async () => {
        while (churning) {
          const other = `cutoff_test_churn_${tag}_${churned++}`;
          await churn.query(`create schema "${other}"; create table "${other}".t (a int)`);
          await churn.query(`drop schema "${other}" cascade`);
        }
      })();
      const schemas = Array.from({ length: 5 }, (_, index) => `cutoff_test_churned_${tag}_${index}`);
      try {
        for (const schema of schemas) {
          const store = createPostgresStore({ connectionString, schema });
          try {
            await store.migrate();
            await store.transaction((tx) => tx.users.insert(makeUser('usr_1')));
          } finally {
            await store.close();
          }
        }
        expect(churned).toBeGreaterThan(5);
      } finally {
        churning = false;
        await churnLoop;
        await churn.end();
        await dropSchemas(connectionString, schemas);
      }
    });

    it('upgrades a schema of the first release in place', async () => {
      const schema = `cutoff_test_upgrade_${process.pid}_${Date.now().toString(36)}`;
      const connectionString = testDatabaseUrl();
      const store = createPostgresStore({ connectionString, schema });
      try {
        await checkUpgradeFromInitial(store, schema);
      } finally {
        await store.close();
        const client = new pg.Client({ connectionString });
        await client.connect();
        await client.query(`drop schema if exists "${schema}" cascade`);
        await client.end();
      }
    });

    it('upgrades a schema of the second release to indexes without status, keeping its data', async () => {
      const schema = `cutoff_test_upgrade3_${process.pid}_${Date.now().toString(36)}`;
      const connectionString = testDatabaseUrl();
      const store = createPostgresStore({ connectionString, schema });
      try {
        await checkUpgradeToRevocationIndexes(store, schema);
      } finally {
        await store.close();
        await dropSchemas(connectionString, [schema]);
      }
    });

    it('refuses to upgrade to case-insensitive usernames while users differ only in case, naming them', async () => {
      const schema = `cutoff_test_upgrade7_${process.pid}_${Date.now().toString(36)}`;
      const connectionString = testDatabaseUrl();
      const store = createPostgresStore({ connectionString, schema });
      try {
        await checkUpgradeToCaseInsensitiveUsernames(store, schema);
      } finally {
        await store.close();
        await dropSchemas(connectionString, [schema]);
      }
    });

    it('parses int8 as numbers for its own pool only', async () => {
      const store = await stores.create();
      await store.transaction((tx) => tx.users.insert(makeUser('usr_1')));
      expect((await store.read((r) => r.users.findById(makeUser('usr_1').id)))?.createdAt).toEqual(
        makeUser('usr_1').createdAt,
      );
      // The global parser is untouched: other pg users still get int8 as strings.
      const globalInt8 = pg.types.getTypeParser(pg.types.builtins.INT8) as (value: string) => unknown;
      expect(globalInt8('9007199254740993')).toBe('9007199254740993');
    });

    it('rejects an unsafe schema name', () => {
      expect(() => createPostgresStore({ connectionString: testDatabaseUrl(), schema: 'x"; drop' })).toThrow(
        TypeError,
      );
    });

    it('lets connection failures surface as errors', async () => {
      const store = createPostgresStore({ connectionString: 'postgres://postgres@127.0.0.1:1/none' });
      try {
        await expect(store.ping()).rejects.toThrow();
      } finally {
        await store.close();
      }
    });
  });
});
