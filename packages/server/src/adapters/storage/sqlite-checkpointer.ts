import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * The worker's code: its own connection to the same file, a PASSIVE checkpoint every interval.
 * Plain CommonJS evaluated in the worker (no file of its own, so it runs the same from `src` under
 * the test runner and from `dist`); better-sqlite3 is passed as an absolute path.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Sqlite = require(workerData.sqlitePath);
const db = new Sqlite(workerData.filename);
db.pragma('synchronous = NORMAL');
const timer = setInterval(() => db.pragma('wal_checkpoint(PASSIVE)'), workerData.intervalMs);
parentPort.once('message', () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

/**
 * How many WAL pages the writing connection still lets pile up before it checkpoints by itself.
 * PASSIVE checkpoints never wait for the writer, so under sustained writes they never catch up
 * completely, and only a complete checkpoint lets the WAL start over; this bound keeps the WAL
 * from growing without end (~40 MiB), at one checkpoint on the event loop per ~10,000 pages
 * instead of per 1,000.
 */
export const WRITER_CHECKPOINT_PAGES_WITH_BACKGROUND = 10_000;
/** SQLite's default, restored when the background checkpointer stops unexpectedly. */
export const WRITER_CHECKPOINT_PAGES_DEFAULT = 1_000;

export interface BackgroundCheckpointer {
  /** Stops the worker and closes its connection; idempotent. */
  stop(): Promise<void>;
}

export interface BackgroundCheckpointerOptions {
  readonly filename: string;
  readonly intervalMs: number;
  /** The worker failed or exited on its own; the writer is back to checkpointing by itself. */
  readonly onStopped: (error: unknown) => void;
}

/**
 * Moves WAL checkpoints off the event loop. A checkpoint copies pages into the database file and
 * syncs it; run by the writing connection (SQLite's default, every 1,000 pages) it blocked the
 * event loop for ~6 ms about every 170 refreshes, ~10 % of the refresh path's time. A worker
 * thread with its own connection now does it, and the writing connection only checkpoints as a
 * backstop (see WRITER_CHECKPOINT_PAGES_WITH_BACKGROUND).
 */
export const startBackgroundCheckpointer = (
  options: BackgroundCheckpointerOptions,
): BackgroundCheckpointer => {
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: {
      filename: options.filename,
      intervalMs: options.intervalMs,
      sqlitePath: createRequire(import.meta.url).resolve('better-sqlite3'),
    },
  });
  // A checkpointer must never keep the process alive on its own.
  worker.unref();
  let stopping: Promise<void> | undefined;
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  let failure: unknown;
  worker.once('error', (error) => {
    failure = error;
  });
  void exited.then(() => {
    if (stopping === undefined) options.onStopped(failure ?? new Error('the checkpoint worker exited'));
  });
  return {
    stop: () => {
      stopping ??= (() => {
        // Held until it has exited: whoever awaits the stop must not see the process end first.
        worker.ref();
        worker.postMessage('stop');
        return exited;
      })();
      return stopping;
    },
  };
};
