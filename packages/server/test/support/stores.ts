import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import pg from 'pg';
import { createPostgresStore, createSqliteStore, KyselyStore } from '../../src/adapters/storage/index.js';
import { refreshTokenToRow, sessionToRow, userToRow } from '../../src/adapters/storage/row-mapping.js';
import type { Database } from '../../src/adapters/storage/schema.js';
import type { RefreshTokenRecord, SessionRecord, UserRecord } from '../../src/domain/records.js';
import type { Store } from '../../src/ports/storage/store.js';

/*
 * Isolated stores for tests: each SQLite store is its own file in a temporary directory, each
 * PostgreSQL store its own uniquely named schema. `dispose()` closes them and removes both.
 *
 *   const stores = testStores('postgres');
 *   afterAll(() => stores.dispose());
 *   const store = await stores.create(); // migrated and empty
 */

export type TestBackend = 'sqlite' | 'postgres';

export const TEST_BACKENDS: readonly TestBackend[] = ['sqlite', 'postgres'];

/** The local PostgreSQL for tests; override with CUTOFF_TEST_DATABASE_URL. */
export const testDatabaseUrl = (): string =>
  process.env['CUTOFF_TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Set CUTOFF_TEST_SKIP_POSTGRES=1 where no PostgreSQL is available (CI must not set it). */
export const postgresTestsSkipped = (): boolean => process.env['CUTOFF_TEST_SKIP_POSTGRES'] === '1';

export interface TestStores {
  /** A new migrated, empty store. */
  create(): Promise<Store>;
  /** Closes every store created so far and deletes its file or schema. */
  dispose(): Promise<void>;
}

const uniqueSuffix = (): string =>
  `${process.pid}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;

export const sqliteTestStores = (): TestStores => {
  const stores: Store[] = [];
  let directory: Promise<string> | undefined;
  return {
    async create() {
      directory ??= mkdtemp(join(tmpdir(), 'cutoff-store-'));
      const store = createSqliteStore({ filename: join(await directory, `store-${stores.length + 1}.db`) });
      stores.push(store);
      await store.migrate();
      return store;
    },
    async dispose() {
      await Promise.all(stores.splice(0).map((store) => store.close()));
      if (directory !== undefined) await rm(await directory, { recursive: true, force: true });
      directory = undefined;
    },
  };
};

export const dropSchemas = async (connectionString: string, schemas: readonly string[]): Promise<void> => {
  if (schemas.length === 0) return;
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    for (const schema of schemas) await client.query(`drop schema if exists "${schema}" cascade`);
  } finally {
    await client.end();
  }
};

interface SchemaLayout {
  /** Every table (not the migration bookkeeping), referencing tables before the ones they reference. */
  readonly tables: readonly string[];
  /** Identity columns, to restart. */
  readonly identities: readonly { readonly table: string; readonly column: string }[];
}

/** Reads the current schema's tables, foreign keys and identity columns (once per shared schema). */
const readLayout = async (db: Kysely<Database>): Promise<SchemaLayout> => {
  const tables = await sql<{ name: string }>`
    select c.relname as name from pg_class c
    where c.relnamespace = current_schema()::regnamespace and c.relkind = 'r' and c.relname not like 'kysely_%'`.execute(
    db,
  );
  const references = await sql<{ child: string; parent: string }>`
    select child.relname as child, parent.relname as parent from pg_constraint k
    join pg_class child on child.oid = k.conrelid
    join pg_class parent on parent.oid = k.confrelid
    where k.contype = 'f' and k.connamespace = current_schema()::regnamespace`.execute(db);
  const identities = await sql<{ table: string; column: string }>`
    select c.relname as table, a.attname as column from pg_attribute a
    join pg_class c on c.oid = a.attrelid
    where c.relnamespace = current_schema()::regnamespace and a.attidentity <> '' and not a.attisdropped`.execute(
    db,
  );
  // Depth-first: a table is emptied only after every table that references it.
  const ordered: string[] = [];
  const visit = (table: string, path: ReadonlySet<string>): void => {
    if (ordered.includes(table) || path.has(table)) return;
    for (const { child, parent } of references.rows) {
      if (parent === table && child !== table) visit(child, new Set([...path, table]));
    }
    ordered.push(table);
  };
  for (const { name } of tables.rows) visit(name, new Set());
  return { tables: ordered, identities: identities.rows };
};

/**
 * Empties every table of a PostgreSQL store (not the migration bookkeeping) and restarts its
 * identities. DELETE in foreign-key order rather than TRUNCATE: on the handful of rows a test
 * leaves, it is about ten times faster.
 */
const emptyAll = async (store: Store, layout: SchemaLayout): Promise<void> => {
  await kyselyOf(store)
    .transaction()
    .execute(async (trx) => {
      for (const table of layout.tables) await sql`delete from ${sql.id(table)}`.execute(trx);
      for (const { table, column } of layout.identities) {
        await sql`select setval(pg_get_serial_sequence(${table}, ${column}), 1, false)`.execute(trx);
      }
    });
};

export interface PostgresTestStoresOptions {
  readonly connectionString?: string;
  /**
   * Reuse one schema for every store, emptied (truncated) before each is handed out: much faster
   * than migrating a schema per store, for suites that use one store at a time.
   */
  readonly shareSchema?: boolean;
}

export const postgresTestStores = (options: PostgresTestStoresOptions = {}): TestStores => {
  const connectionString = options.connectionString ?? testDatabaseUrl();
  const stores: Store[] = [];
  const schemas: string[] = [];
  let layout: Promise<SchemaLayout> | undefined;
  return {
    async create() {
      const reused = options.shareSchema === true ? schemas[0] : undefined;
      const schema = reused ?? `cutoff_test_${uniqueSuffix()}`;
      if (reused === undefined) schemas.push(schema);
      const store = createPostgresStore({ connectionString, schema, maxConnections: 4 });
      stores.push(store);
      if (reused === undefined) await store.migrate();
      else await emptyAll(store, await (layout ??= readLayout(kyselyOf(store))));
      return store;
    },
    async dispose() {
      await Promise.all(stores.splice(0).map((store) => store.close()));
      await dropSchemas(connectionString, schemas.splice(0));
    },
  };
};

export const testStores = (backend: TestBackend): TestStores =>
  backend === 'sqlite' ? sqliteTestStores() : postgresTestStores();

/** The Kysely handle behind a store, for tests that must reach under the port (tampering). */
export const kyselyOf = (store: Store): Kysely<Database> => {
  if (!(store instanceof KyselyStore)) throw new TypeError('not a KyselyStore');
  return store.kysely;
};

export interface BulkRows {
  readonly users?: readonly UserRecord[];
  readonly sessions?: readonly SessionRecord[];
  readonly refreshTokens?: readonly RefreshTokenRecord[];
}

const chunks = <T>(items: readonly T[], size: number): T[][] => {
  const result: T[][] = [];
  for (let start = 0; start < items.length; start += size) result.push(items.slice(start, start + size));
  return result;
};

/**
 * Writes many rows with a few multi-row INSERTs in one transaction (role and group rows
 * included), for scale tests and benchmarks; the repositories insert one row per statement.
 */
export const seedInBulk = async (store: Store, rows: BulkRows, chunkSize = 500): Promise<void> => {
  await kyselyOf(store)
    .transaction()
    .execute(async (trx) => {
      const users = rows.users ?? [];
      for (const chunk of chunks(users, chunkSize))
        await trx.insertInto('users').values(chunk.map(userToRow)).execute();
      const roles = users.flatMap((user) =>
        [...new Set(user.roles)].map((role) => ({ user_id: user.id, role })),
      );
      for (const chunk of chunks(roles, chunkSize))
        await trx.insertInto('user_roles').values(chunk).execute();
      const groups = users.flatMap((user) =>
        [...new Set(user.groups)].map((group) => ({ user_id: user.id, group_name: group })),
      );
      for (const chunk of chunks(groups, chunkSize))
        await trx.insertInto('user_groups').values(chunk).execute();
      for (const chunk of chunks(rows.sessions ?? [], chunkSize)) {
        await trx.insertInto('sessions').values(chunk.map(sessionToRow)).execute();
      }
      for (const chunk of chunks(rows.refreshTokens ?? [], chunkSize)) {
        await trx.insertInto('refresh_tokens').values(chunk.map(refreshTokenToRow)).execute();
      }
    });
};
