import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Store } from '../../ports/storage/store.js';
import { KyselyStore } from './kysely-store.js';
import type { Database } from './schema.js';

export interface PostgresStoreOptions {
  readonly connectionString: string;
  /**
   * A schema to use instead of the connection's default (created by `migrate()` if missing and
   * put on the search_path of every pooled connection). Lowercase letters, digits, underscores.
   */
  readonly schema?: string;
  /** Pool size; at least 2 (migrations hold a lock on one connection). Default 10. */
  readonly maxConnections?: number;
  /** How long to wait for a connection before failing. Default 5000. */
  readonly connectionTimeoutMs?: number;
  /**
   * Errors of idle pooled connections (e.g. the server restarted). Without a listener they would
   * crash the process; the next query reconnects either way.
   */
  readonly onPoolError?: (error: Error) => void;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** int8 (counts, epoch milliseconds, seqs) as numbers, for this pool only. */
const parseInt8 = (value: string): number => {
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed))
    throw new RangeError(`int8 value ${value} exceeds the safe integer range`);
  return parsed;
};

const INT8_OID = 20;

const getTypeParser = ((oid: number, format?: 'text' | 'binary'): unknown =>
  oid === INT8_OID && format !== 'binary'
    ? parseInt8
    : (pg.types.getTypeParser(oid, format) as unknown)) as pg.CustomTypesConfig['getTypeParser'];

/** The scale-out store: PostgreSQL through a pg pool. Call `migrate()` before use. */
export const createPostgresStore = (options: PostgresStoreOptions): Store => {
  const { schema } = options;
  if (schema !== undefined && !SCHEMA_NAME.test(schema)) {
    throw new TypeError(`invalid PostgreSQL schema name: ${JSON.stringify(schema)}`);
  }
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: Math.max(2, options.maxConnections ?? 10),
    connectionTimeoutMillis: options.connectionTimeoutMs ?? 5000,
    types: { getTypeParser },
    ...(schema === undefined ? {} : { options: `-c search_path=${schema}` }),
  });
  const onError = options.onPoolError ?? (() => undefined);
  pool.on('error', onError);
  // A connection that dies while checked out (mid-transaction) emits on the client, not the
  // pool; unhandled, that would crash the process. The failing query still rejects.
  pool.on('connect', (client) => client.on('error', onError));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return new KyselyStore({
    db,
    dialect: 'postgres',
    ...(schema === undefined ? {} : { schema }),
  });
};
