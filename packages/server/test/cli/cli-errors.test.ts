import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/test-server.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../../../', import.meta.url));
const bin = join(root, 'packages/server/dist/cli/main.js');

interface Exit {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the built CLI as a user would; resolves with the exit code and output either way. */
const cutoff = async (args: readonly string[], env: Record<string, string> = {}): Promise<Exit> => {
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, ...args], {
      env: { ...process.env, CUTOFF_ADMIN_KEY: 'cli-errors-test-key-0123456789', ...env },
      timeout: 30_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
};

/** Issue #17: the first hour's errors say what is wrong and what to do, without a stack trace. */
describe('CLI errors that say what to do', () => {
  let dataDir: string;
  let downUrl: string;
  beforeAll(async () => {
    await run(process.execPath, [
      join(root, 'node_modules/typescript/bin/tsc'),
      '-b',
      join(root, 'packages/server'),
    ]);
    dataDir = await mkdtemp(join(tmpdir(), 'cutoff-cli-errors-'));
    // Nothing listens on a port just found free.
    downUrl = `http://127.0.0.1:${await freePort()}`;
  }, 120_000);
  afterAll(() => rm(dataDir, { recursive: true, force: true }));

  it('checks the revocation type locally and names the allowed ones', async () => {
    // The server is down: the type is refused before any request is made.
    const result = await cutoff(['--url', downUrl, 'revoke', 'tenant', 'x', '--reason', 'manual']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("'tenant'");
    expect(result.stderr).toContain('session, token, user, group, role, client, all');
    expect(result.stderr).not.toContain('cannot reach');
  });

  it('names the URL, the reason and the setting when the server is down', async () => {
    for (const args of [
      ['--url', downUrl, 'users', 'list'],
      ['--url', downUrl, 'revoke', 'user', 'usr_x', '--reason', 'manual'],
    ]) {
      const result = await cutoff(args);
      expect(result.code).toBe(1);
      expect(result.stderr.trim()).toBe(
        `error: cannot reach the Cutoff server at ${downUrl} (connection refused) — is it running? set --url or CUTOFF_URL`,
      );
    }
    const fromEnv = await cutoff(['users', 'list'], { CUTOFF_URL: downUrl });
    expect(fromEnv.stderr).toContain(`cannot reach the Cutoff server at ${downUrl} (connection refused)`);
    const notAUrl = await cutoff(['--url', 'localhost 7400', 'users', 'list']);
    expect(notAUrl).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('is not a URL: set --url or CUTOFF_URL'),
    });
  });

  it('says which setting to check when the server refuses the key', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const child = spawn(process.execPath, [bin, 'serve'], {
      env: {
        ...process.env,
        CUTOFF_PORT: String(port),
        CUTOFF_DATA_DIR: dataDir,
        CUTOFF_LOG_LEVEL: 'warn',
        CUTOFF_ADMIN_KEY: 'the-real-admin-key-0123456789',
      },
      stdio: 'ignore',
    });
    try {
      for (let attempt = 0; attempt < 100; attempt += 1) {
        const ready = await fetch(`${url}/readyz`).then(
          (response) => response.ok,
          () => false,
        );
        if (ready) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const result = await cutoff(['--url', url, 'users', 'list'], {
        CUTOFF_ADMIN_KEY: 'a-wrong-key-0123456789',
      });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('A valid credential is required — check --key or CUTOFF_ADMIN_KEY');
      expect(result.stderr).not.toContain('a-wrong-key');
    } finally {
      child.kill('SIGKILL');
    }
  }, 60_000);

  it('serve names every bad variable at once and exits 1 without a stack trace', async () => {
    const result = await cutoff(['serve'], {
      CUTOFF_DATA_DIR: dataDir,
      CUTOFF_ADMIN_KEY: 'short',
      CUTOFF_PORT: 'eighty',
      CUTOFF_SIGNING_ALGORITHM: 'HS256',
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('invalid configuration (3 problems)');
    expect(result.stderr).toContain('CUTOFF_ADMIN_KEY must be at least 16 characters');
    expect(result.stderr).toContain('CUTOFF_PORT must be a whole number');
    expect(result.stderr).toContain('CUTOFF_SIGNING_ALGORITHM must be one of RS256, ES256, EdDSA');
    expect(result.stderr).not.toMatch(/^\s+at /m);
  });

  it('serve names its own flags when they are the bad value', async () => {
    const result = await cutoff(['serve', '--port', 'eighty'], { CUTOFF_DATA_DIR: dataDir });
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe('error: invalid configuration: --port must be an integer');
  });

  it('serve names CUTOFF_DATABASE_URL, without its password, when PostgreSQL is down', async () => {
    const port = await freePort();
    const result = await cutoff(['serve'], {
      CUTOFF_DATA_DIR: dataDir,
      CUTOFF_PORT: String(await freePort()),
      CUTOFF_DATABASE_URL: `postgres://cutoff:hunter2-secret@127.0.0.1:${port}/cutoff`,
    });
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe(
      `error: cannot connect to PostgreSQL at postgres://cutoff:redacted@127.0.0.1:${port}/cutoff (connection refused) — is it running? check CUTOFF_DATABASE_URL`,
    );
    expect(result.stderr).not.toContain('hunter2');
  });

  it('serve says so when the database does not exist', async () => {
    const result = await cutoff(['serve'], {
      CUTOFF_DATA_DIR: dataDir,
      CUTOFF_PORT: String(await freePort()),
      CUTOFF_DATABASE_URL: 'postgres://postgres:pw@127.0.0.1:5432/cutoff_no_such_database',
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'cannot connect to PostgreSQL at postgres://postgres:redacted@127.0.0.1:5432/cutoff_no_such_database (the database does not exist) — check CUTOFF_DATABASE_URL',
    );
  });
});
