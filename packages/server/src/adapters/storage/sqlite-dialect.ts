import { CompiledQuery, SqliteAdapter, SqliteDialect, SqliteDriver } from 'kysely';
import type {
  DatabaseConnection,
  DialectAdapter,
  Driver,
  SqliteDatabase,
  SqliteDialectConfig,
  SqliteStatement,
} from 'kysely';

/** How many prepared statements the connection keeps, least recently used out first. */
export const STATEMENT_CACHE_SIZE = 500;

/** Longer SQL (bulk inserts, one-off DDL) is prepared each time rather than kept. */
const MAX_CACHED_SQL_LENGTH = 4096;

/** The statement fields this module reads; better-sqlite3's statements have them. */
interface CachableStatement extends SqliteStatement {
  /** True while an iterator (a streamed query) is open on the statement. */
  readonly busy?: boolean;
}

/**
 * Kysely prepares every query it runs. Preparing is a large part of a short statement's cost on
 * SQLite, and the application runs the same few SQL texts over and over, so the connection keeps
 * its prepared statements by SQL text. A statement is reusable as soon as it has run (better-sqlite3
 * resets it after each run, failed or not), and SQLite re-prepares it by itself after a schema
 * change; one that is busy (an open stream) is never handed out twice.
 */
export const withStatementCache = (database: SqliteDatabase, size = STATEMENT_CACHE_SIZE): SqliteDatabase => {
  const statements = new Map<string, CachableStatement>();
  return {
    prepare(sql: string): SqliteStatement {
      const cached = statements.get(sql);
      if (cached !== undefined && cached.busy !== true) {
        // Most recently used last: re-insert.
        statements.delete(sql);
        statements.set(sql, cached);
        return cached;
      }
      const statement: CachableStatement = database.prepare(sql);
      if (cached === undefined && sql.length <= MAX_CACHED_SQL_LENGTH) {
        statements.set(sql, statement);
        if (statements.size > size) {
          const oldest = statements.keys().next();
          if (oldest.done !== true) statements.delete(oldest.value);
        }
      }
      return statement;
    },
    close(): void {
      statements.clear();
      database.close();
    },
  };
};

/**
 * Starts every transaction with `BEGIN IMMEDIATE`: the write lock is taken up front, so a
 * transaction that reads and then writes never fails with SQLITE_BUSY on lock upgrade (another
 * process waits on `busy_timeout` instead), and seqs read under it are serialized.
 */
class ImmediateTransactionSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

/** SQLite does support transactional DDL; Kysely's migrator then runs each migration atomically. */
class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

/**
 * Kysely's SQLite dialect with immediate transactions, transactional migrations and a cache of
 * prepared statements.
 */
export class CutoffSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;

  constructor(config: SqliteDialectConfig) {
    const { database } = config;
    const cached: SqliteDialectConfig = {
      ...config,
      database:
        typeof database === 'function'
          ? async () => withStatementCache(await database())
          : withStatementCache(database),
    };
    super(cached);
    this.#config = cached;
  }

  override createDriver(): Driver {
    return new ImmediateTransactionSqliteDriver(this.#config);
  }

  override createAdapter(): DialectAdapter {
    return new TransactionalDdlSqliteAdapter();
  }
}
