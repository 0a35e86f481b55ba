/**
 * Everything a benchmark creates (servers, temp dirs, PostgreSQL schemas, child processes)
 * registers its undo here, so it is removed at the end of its scenario, and also when the run
 * is interrupted (Ctrl-C) or fails.
 */

import process from 'node:process';

const pending = new Map();
let nextId = 1;

/** Registers `undo`; returns a function that runs it once and unregisters it. */
export const defer = (label, undo) => {
  const id = nextId++;
  let done;
  const run = () => {
    done ??= (async () => {
      pending.delete(id);
      await undo();
    })();
    return done;
  };
  pending.set(id, { label, run });
  return run;
};

/** Runs every pending undo, newest first; errors are reported, never thrown. */
export const cleanupAll = async () => {
  const entries = [...pending.values()].reverse();
  for (const { label, run } of entries) {
    try {
      await run();
    } catch (error) {
      process.stderr.write(`cleanup of ${label} failed: ${error instanceof Error ? error.message : error}\n`);
    }
  }
};

/** Ctrl-C and SIGTERM clean up before exiting. */
export const installSignalCleanup = () => {
  let interrupted = false;
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.on(signal, () => {
      if (interrupted) process.exit(130);
      interrupted = true;
      process.stderr.write(`\n${signal}: cleaning up...\n`);
      void cleanupAll().finally(() => process.exit(130));
    });
  }
};
