import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
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

interface Running {
  readonly child: ChildProcess;
  readonly url: string;
  readonly stderr: () => string;
  readonly exited: Promise<number | null>;
}

const startServe = async (dataDir: string, port: number): Promise<Running> => {
  const child = spawn(process.execPath, [bin, 'serve'], {
    env: {
      ...process.env,
      CUTOFF_PORT: String(port),
      CUTOFF_DATA_DIR: dataDir,
      CUTOFF_LOG_LEVEL: 'warn',
      CUTOFF_ADMIN_KEY: '',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  for (let attempt = 0; attempt < 100; attempt += 1) {
    try {
      if ((await fetch(`${url}/readyz`)).ok) return { child, url, stderr: () => stderr, exited };
    } catch {
      // not up yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`server did not start: ${stderr}`);
};

describe('cutoff CLI and serve', () => {
  let dataDir: string;
  let server: Running;
  let adminKey: string;
  const cli = async (...args: string[]) => {
    const { stdout } = await run(process.execPath, [bin, '--url', server.url, '--json', ...args], {
      env: { ...process.env, CUTOFF_ADMIN_KEY: adminKey },
    });
    return JSON.parse(stdout);
  };

  beforeAll(async () => {
    // The CLI runs from the build, as users run it.
    await run(process.execPath, [
      join(root, 'node_modules/typescript/bin/tsc'),
      '-b',
      join(root, 'packages/server'),
    ]);
    dataDir = await mkdtemp(join(tmpdir(), 'cutoff-cli-'));
    server = await startServe(dataDir, await freePort());
    adminKey = /cutoff_ak_[A-Za-z0-9_-]{43}/.exec(server.stderr())?.[0] ?? '';
  }, 120_000);
  afterAll(async () => {
    server.child.kill('SIGKILL');
    await rm(dataDir, { recursive: true, force: true });
  });

  it('prints a generated admin key once on first start, which then works', async () => {
    expect(adminKey).not.toBe('');
    // A clean start: no deprecation or other process warning (FSTDEP023 was printed on every one).
    expect(server.stderr()).not.toMatch(/Warning|FSTDEP|DEP0/);
    const response = await fetch(`${server.url}/v1/users`, {
      headers: { authorization: `Bearer ${adminKey}` },
    });
    expect(response.status).toBe(200);
  });

  it('adds and lists users, shows sessions, revokes, and verifies the audit chain', async () => {
    const created = await cli('users', 'add', 'carol', '--no-password', '--role', 'admin', '--group', 'eng');
    expect(created).toMatchObject({ username: 'carol', roles: ['admin'], groups: ['eng'] });
    const listed = await cli('users', 'list', '--username', 'carol');
    expect(listed.map((user: any) => user.id)).toEqual([created.id]);
    expect(await cli('sessions', 'carol')).toEqual([]);
    const dry = await cli('revoke', 'user', 'carol', '--reason', 'offboarding', '--dry-run');
    expect(dry).toMatchObject({ dry_run: true, sessions_revoked: 0 });
    const revoked = await cli(
      'revoke',
      'user',
      'carol',
      '--reason',
      'offboarding',
      '--note',
      'left the company',
    );
    expect(revoked).toMatchObject({ dry_run: false, seq: 1 });
    const verify = await cli('audit', 'verify');
    expect(verify).toMatchObject({ ok: true });
    const tail = await cli('audit', 'tail', '--limit', '2');
    expect(tail.map((event: any) => event.action)).toContain('user.revoked');
    const key = await cli('apikeys', 'create', '--name', 'guards', '--scope', 'feed:read');
    expect(key.key).toMatch(/^cutoff_ak_/);
    const rotated = await cli('keys', 'rotate');
    expect(rotated.kid).toEqual(expect.any(String));
    // No SMTP here and no incident: nothing in the outbox, and no dead message to retry.
    expect(await cli('outbox', 'list', '--status', 'dead')).toEqual({ messages: [] });
    await expect(
      run(process.execPath, [bin, '--url', server.url, 'outbox', 'retry', 'msg_nope'], {
        env: { ...process.env, CUTOFF_ADMIN_KEY: adminKey },
      }),
    ).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('No outbox message') });
  });

  it('apikeys create, list and revoke: the revoked key is refused by the server at once', async () => {
    const expiresAt = new Date(Date.now() + 86_400_000).toISOString();
    const created = await cli(
      'apikeys',
      'create',
      '--name',
      'ci-feed',
      '--scope',
      'feed:read',
      '--expires-at',
      expiresAt,
    );
    expect(created).toMatchObject({ status: 'active', expires_at: expiresAt });
    const feed = () =>
      fetch(`${server.url}/v1/revocations?after=0`, {
        headers: { authorization: `Bearer ${created.key}` },
      }).then((response) => response.status);
    expect(await feed()).toBe(200);

    const revoked = await cli('apikeys', 'revoke', created.id, '--reason', 'credential_change');
    expect(revoked).toMatchObject({ id: created.id, status: 'revoked' });
    expect(await feed()).toBe(401);
    const listed = await cli('apikeys', 'list');
    expect(listed.find((key: { id: string }) => key.id === created.id)).toMatchObject({
      status: 'revoked',
      scopes: ['feed:read'],
      created_by: { type: 'api_key' },
    });
    const human = await run(process.execPath, [bin, '--url', server.url, 'apikeys', 'list'], {
      env: { ...process.env, CUTOFF_ADMIN_KEY: adminKey },
    });
    expect(human.stdout).toMatch(new RegExp(`${created.id}\\s+ci-feed\\s+revoked\\s+feed:read`));
    await expect(
      run(process.execPath, [bin, '--url', server.url, 'apikeys', 'revoke', 'key_nope'], {
        env: { ...process.env, CUTOFF_ADMIN_KEY: adminKey },
      }),
    ).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('No API key with that id') });
  });

  it('revoke prints a warning to stderr when the target matched nothing, with the close name', async () => {
    // carol (added above) is in group eng and holds role admin.
    const typo = await run(
      process.execPath,
      [bin, '--url', server.url, 'revoke', 'group', 'egn', '--reason', 'contractor_end'],
      { env: { ...process.env, CUTOFF_ADMIN_KEY: adminKey } },
    );
    expect(typo.stdout).toMatch(/^revoked group egn: 0 sessions/);
    expect(typo.stderr).toContain("warning: group 'egn' is not a known group");
    expect(typo.stderr).toContain("Did you mean 'eng'?");
    expect(typo.stderr).toContain('[target_matched_nothing]');
    // --json: the warning is in the result too, and still on stderr.
    const asJson = await run(
      process.execPath,
      [bin, '--url', server.url, '--json', 'revoke', 'role', 'admn', '--reason', 'role_change', '--dry-run'],
      { env: { ...process.env, CUTOFF_ADMIN_KEY: adminKey } },
    );
    expect(JSON.parse(asJson.stdout).warnings).toEqual([
      expect.objectContaining({ code: 'target_matched_nothing', suggestions: ['admin'] }),
    ]);
    expect(asJson.stderr).toContain("Did you mean 'admin'?");
    // A target that matched what it names prints no warning.
    const right = await run(
      process.execPath,
      [bin, '--url', server.url, 'revoke', 'group', 'eng', '--reason', 'contractor_end', '--dry-run'],
      { env: { ...process.env, CUTOFF_ADMIN_KEY: adminKey } },
    );
    expect(right.stderr).not.toContain('warning');
  });

  it('exits non-zero with a clear message on bad input', async () => {
    await expect(
      run(process.execPath, [bin, '--url', server.url, 'revoke', 'user', 'x', '--reason', 'whim'], {
        env: { ...process.env, CUTOFF_ADMIN_KEY: adminKey },
      }),
    ).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('whim') });
    await expect(
      run(
        process.execPath,
        [bin, '--url', server.url, 'revoke', 'user', 'usr_missing', '--reason', 'manual'],
        {
          env: { ...process.env, CUTOFF_ADMIN_KEY: adminKey },
        },
      ),
    ).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('No user') });
    // Nothing to seal with: this server runs without CUTOFF_ENCRYPTION_KEY.
    await expect(
      run(process.execPath, [bin, '--url', server.url, 'secrets', 'reseal'], {
        env: { ...process.env, CUTOFF_ADMIN_KEY: adminKey },
      }),
    ).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('No encryption key is configured') });
  });

  it('drains in-flight requests on SIGTERM, ends feed streams, and keeps its data across restarts', async () => {
    await cli('users', 'add', 'dave', '--no-password');
    const stream = await fetch(`${server.url}/v1/revocations/stream`, {
      headers: { authorization: `Bearer ${adminKey}` },
    });
    const streamDone = stream.text().then(
      () => 'ended',
      () => 'ended',
    );
    const inFlight = fetch(`${server.url}/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'dave', password: 'no-password-set' }),
    });
    await new Promise((resolve) => setTimeout(resolve, 5));
    server.child.kill('SIGTERM');
    expect((await inFlight).status).toBe(401);
    expect(await server.exited).toBe(0);
    expect(await streamDone).toBe('ended');
    // The store closed cleanly (its checkpoint worker stopped, the last connection checkpointed
    // and removed the WAL), rather than the process ending halfway through closing.
    expect(existsSync(join(dataDir, 'cutoff.db-wal'))).toBe(false);

    const port = Number(new URL(server.url).port);
    server = await startServe(dataDir, port);
    expect(server.stderr()).not.toContain('cutoff_ak_'); // the key is printed on the first start only
    const users = await cli('users', 'list');
    expect(users.map((user: any) => user.username).sort()).toEqual(['carol', 'dave']);
  });
});
