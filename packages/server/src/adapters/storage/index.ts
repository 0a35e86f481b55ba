export { createSqliteStore, SERVER_CHECKPOINT_INTERVAL_MS, SQLITE_FILENAME } from './sqlite-store.js';
export type { SqliteStoreOptions } from './sqlite-store.js';
export { createPostgresStore } from './postgres-store.js';
export type { PostgresStoreOptions } from './postgres-store.js';
export { KyselyStore } from './kysely-store.js';
