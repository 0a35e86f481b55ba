import process from 'node:process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { createCutoffServer } from '../../packages/server/dist/composition-root.js';
import { loadConfig } from '../../packages/server/dist/config/load-config.js';
import {
  SERVER_CHECKPOINT_INTERVAL_MS,
  createPostgresStore,
  createSqliteStore,
} from '../../packages/server/dist/adapters/storage/index.js';
import { defer } from './cleanup.mjs';
import { startHostedTarget } from './hosted-target.mjs';

/** The bootstrap admin key of every bench server (only ever on 127.0.0.1, only for the run). */
// In the environment, so the processes this one forks (target hosts) hold the same key.
process.env.CUTOFF_BENCH_ADMIN_KEY ??= `bench-admin-${randomBytes(24).toString('base64url')}`;
export const ADMIN_KEY = process.env.CUTOFF_BENCH_ADMIN_KEY;

/** A free TCP port on 127.0.0.1 (the issuer must name the port before the server listens). */
export const freePort = () =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });

/** Warnings and errors of the server go to stderr, so they never mix with the result table. */
const stderrLog = { write: (line) => process.stderr.write(line) };

const dropSchema = async (connectionString, schema) => {
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    await client.query(`drop schema if exists "${schema}" cascade`);
  } finally {
    await client.end();
  }
};

/** Resolves to undefined when PostgreSQL answers, else to the reason it does not. */
export const postgresUnavailable = async (connectionString) => {
  const client = new pg.Client({ connectionString, connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
    await client.query('select 1');
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    await client.end().catch(() => undefined);
  }
};

/** A migrated store in a fresh temp dir (SQLite) or a fresh `cutoff_bench_*` schema (PostgreSQL). */
const openStore = async (backend, options) => {
  if (backend === 'sqlite') {
    const dataDir = await mkdtemp(join(tmpdir(), 'cutoff-bench-'));
    const removeDir = defer(`temp dir ${dataDir}`, () => rm(dataDir, { recursive: true, force: true }));
    // As the server opens it (WAL checkpoints on a worker thread).
    const store = createSqliteStore({ dataDir, backgroundCheckpointMs: SERVER_CHECKPOINT_INTERVAL_MS });
    return { store, removeData: removeDir, where: dataDir };
  }
  const schema = `cutoff_bench_${randomBytes(6).toString('hex')}`;
  const removeSchema = defer(`schema ${schema}`, () => dropSchema(options.databaseUrl, schema));
  const store = createPostgresStore({ connectionString: options.databaseUrl, schema, maxConnections: 10 });
  return { store, removeData: removeSchema, where: schema };
};

/**
 * Starts a Cutoff server on 127.0.0.1 with a fresh store. Returns `{origin, server, store,
 * close}`; `close()` stops the server, closes the store and deletes its data (also run on Ctrl-C).
 */
export const startCutoff = async (backend, options, overrides = {}) => {
  const { store, removeData, where } = await openStore(backend, options);
  const port = await freePort();
  const config = loadConfig(
    {},
    {
      port,
      host: '127.0.0.1',
      issuer: `http://127.0.0.1:${port}`,
      adminKey: ADMIN_KEY,
      logLevel: 'warn',
      loginMaxFailures: 1_000_000,
      ...overrides,
    },
  );
  let server;
  try {
    server = await createCutoffServer(config, { store, logStream: stderrLog });
  } catch (error) {
    await store.close().catch(() => undefined);
    await removeData();
    throw error;
  }
  const close = defer(`cutoff server (${backend}, ${where})`, async () => {
    try {
      await server.close();
    } finally {
      await removeData();
    }
  });
  const origin = await server.listen();
  return { origin, server, store, backend, close };
};

/** Runs `fn` with a fresh server, always closing it (and deleting its data) afterwards. */
export const withCutoff = async (backend, options, fn, overrides) => {
  const cutoff = await startCutoff(backend, options, overrides);
  try {
    return await fn(cutoff);
  } finally {
    await cutoff.close();
  }
};

/** `startCutoff` as a target host calls it: the server and its store stay in the host process. */
export const startCutoffInHost = async (backend, options, overrides) => {
  const { origin, close } = await startCutoff(backend, options, overrides);
  return { origin, backend, close };
};

/**
 * As `withCutoff`, with the server in a process of its own (see target-host.mjs), as `npm start`
 * runs it: `fn` gets `{origin, backend, server}`; pass `server` to `runLoad` to measure its CPU.
 */
export const withHostedCutoff = async (backend, options, fn, overrides = {}) => {
  const target = await startHostedTarget(import.meta.url, 'startCutoffInHost', [backend, options, overrides]);
  try {
    return await fn(target);
  } finally {
    await target.close();
  }
};

export const adminHeaders = { authorization: `Bearer ${ADMIN_KEY}` };
