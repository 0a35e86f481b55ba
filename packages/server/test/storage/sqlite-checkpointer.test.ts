import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import Sqlite from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { createSqliteStore, SQLITE_FILENAME } from '../../src/adapters/storage/index.js';
import { startBackgroundCheckpointer } from '../../src/adapters/storage/sqlite-checkpointer.js';
import { makeUser } from './fixtures.js';

const roots: string[] = [];
afterAll(() => Promise.all(roots.map((root) => rm(root, { recursive: true, force: true }))));

const tempDir = async (): Promise<string> => {
  const root = await mkdtemp(join(tmpdir(), 'cutoff-checkpoint-'));
  roots.push(root);
  return root;
};

/** Users found in the database file alone, without its WAL: what checkpoints have copied there. */
const usersInMainFile = async (dataDir: string): Promise<number> => {
  const copy = join(await tempDir(), 'copy.db');
  await copyFile(join(dataDir, SQLITE_FILENAME), copy);
  const database = new Sqlite(copy, { readonly: true });
  try {
    const count = (text: string) => (database.prepare(text).get() as { n: number }).n;
    if (count("select count(*) as n from sqlite_master where name = 'users'") === 0) return 0;
    return count('select count(*) as n from users');
  } finally {
    database.close();
  }
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('SQLite WAL checkpoints', () => {
  it.each([
    { background: true, expected: 50 },
    { background: false, expected: 0 },
  ])(
    'with background checkpoints $background, the database file holds $expected of 50 new users shortly after',
    async ({ background, expected }) => {
      const dataDir = await tempDir();
      const store = createSqliteStore({
        dataDir,
        ...(background && { backgroundCheckpointMs: 20 }),
      });
      try {
        await store.migrate();
        await sleep(100); // the migration's pages are checkpointed (or not) first
        for (let i = 0; i < 50; i++) await store.transaction((tx) => tx.users.insert(makeUser(`usr_${i}`)));
        // Far fewer pages than SQLite's own threshold (1,000): only a worker copies them this soon.
        let found = await usersInMainFile(dataDir);
        for (let waited = 0; found < 50 && waited < (background ? 2_000 : 300); waited += 50) {
          await sleep(50);
          found = await usersInMainFile(dataDir);
        }
        expect(found).toBe(expected);
        // Whatever the file holds, the store reads everything.
        expect((await store.read((r) => r.users.findById(makeUser('usr_49').id)))?.username).toBe('usr_49');
      } finally {
        await store.close();
      }
      // Closing checkpoints everything and stops the worker.
      expect(await usersInMainFile(dataDir)).toBe(50);
    },
  );

  it('closes completely in a process that has nothing else to do (the worker does not let it end early)', async () => {
    // A fresh process, as `cutoff serve` shuts down: the store's close() is all that is left.
    const storage = fileURLToPath(new URL('../../dist/adapters/storage/index.js', import.meta.url));
    const dataDir = await tempDir();
    const script = `
      const { createSqliteStore } = await import(${JSON.stringify(storage)});
      const store = createSqliteStore({ dataDir: ${JSON.stringify(dataDir)}, backgroundCheckpointMs: 10 });
      await store.migrate();
      await store.close();
      console.log('closed');
    `;
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script]);
    expect(stdout.trim()).toBe('closed');
    // The last connection checkpointed everything and removed the WAL.
    expect(existsSync(join(dataDir, `${SQLITE_FILENAME}-wal`))).toBe(false);
  });

  it('reports a worker that cannot run, so the store goes back to checkpointing by itself', async () => {
    const missing = join(await tempDir(), 'no', 'such', 'dir', 'x.db');
    const stopped = await new Promise<unknown>((resolve) => {
      startBackgroundCheckpointer({ filename: missing, intervalMs: 10, onStopped: resolve });
    });
    expect(String(stopped)).toMatch(/unable to open database|directory does not exist/i);
  });
});
