import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import { Kysely } from 'kysely';
import type { Store } from '../../ports/storage/store.js';
import { KyselyStore } from './kysely-store.js';
import type { Database } from './schema.js';
import {
  WRITER_CHECKPOINT_PAGES_DEFAULT,
  WRITER_CHECKPOINT_PAGES_WITH_BACKGROUND,
  startBackgroundCheckpointer,
  type BackgroundCheckpointer,
} from './sqlite-checkpointer.js';
import { CutoffSqliteDialect } from './sqlite-dialect.js';

/** How often the server checkpoints the WAL from its worker thread. */
export const SERVER_CHECKPOINT_INTERVAL_MS = 100;

/** The database file inside a data directory. */
export const SQLITE_FILENAME = 'cutoff.db';

export type SqliteStoreOptions = (
  | { /** Created if missing; the database is `cutoff.db` inside it. */ readonly dataDir: string }
  | { /** A database file path (or `:memory:`). */ readonly filename: string }
) & {
  /** How long a writer waits for another process's write lock. Default 5000. */
  readonly busyTimeoutMs?: number;
  /**
   * Checkpoint the WAL from a worker thread every this many milliseconds instead of on the event
   * loop (see `startBackgroundCheckpointer`). The server turns it on; off by default, and ignored
   * for `:memory:`.
   */
  readonly backgroundCheckpointMs?: number;
  /** Called when the background checkpointer stops unexpectedly (the store goes on without it). */
  readonly onBackgroundError?: (error: unknown) => void;
};

/** The embedded store: one SQLite file, one connection, WAL journal. Call `migrate()` before use. */
export const createSqliteStore = (options: SqliteStoreOptions): Store => {
  let filename: string;
  if ('dataDir' in options) {
    mkdirSync(options.dataDir, { recursive: true });
    filename = join(options.dataDir, SQLITE_FILENAME);
  } else {
    filename = options.filename;
  }
  const database = new Sqlite(filename);
  try {
    database.pragma('journal_mode = WAL');
    database.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 5000))}`);
    database.pragma('foreign_keys = ON');
    database.pragma('synchronous = NORMAL');
  } catch (error) {
    database.close();
    throw error;
  }
  let checkpointer: BackgroundCheckpointer | undefined;
  if (options.backgroundCheckpointMs !== undefined && database.memory !== true) {
    database.pragma(`wal_autocheckpoint = ${WRITER_CHECKPOINT_PAGES_WITH_BACKGROUND}`);
    checkpointer = startBackgroundCheckpointer({
      filename: database.name,
      intervalMs: options.backgroundCheckpointMs,
      onStopped: (error) => {
        if (database.open) database.pragma(`wal_autocheckpoint = ${WRITER_CHECKPOINT_PAGES_DEFAULT}`);
        options.onBackgroundError?.(error);
      },
    });
  }
  const db = new Kysely<Database>({ dialect: new CutoffSqliteDialect({ database }) });
  return new KyselyStore({
    db,
    dialect: 'sqlite',
    beforeClose: checkpointer === undefined ? undefined : () => checkpointer.stop(),
  });
};
