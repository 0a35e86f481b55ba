import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/test-server.js';

/**
 * "Installable where users are": the three packages are packed as `npm publish` would, installed
 * into a fresh project outside the repository, and used from there: the server started from the
 * installed bin, a route protected by the installed guard, a revoked token refused.
 *
 * Cost: the install fetches the server's dependencies from the npm cache (the registry only for
 * what the cache lacks), ~15 s here. Install scripts are skipped and better-sqlite3's native
 * addon is copied from this checkout instead (same version, checked below, built for this very
 * Node): compiling it from source takes 2-4 minutes, and proves nothing about our packages.
 */
const run = promisify(execFile);
const root = fileURLToPath(new URL('../../../../', import.meta.url));
const PACKAGES = ['guard', 'client', 'server'] as const;

interface PackResult {
  readonly name: string;
  readonly filename: string;
  readonly files: readonly { readonly path: string }[];
}

const waitFor = async (what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
};

describe('the packages, packed and installed into a fresh project outside the repo', () => {
  let directory: string;
  let project: string;
  let packed: PackResult[];
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    await run(process.execPath, [
      join(root, 'node_modules/typescript/bin/tsc'),
      '-b',
      ...PACKAGES.map((name) => join(root, 'packages', name)),
    ]);
    directory = await mkdtemp(join(tmpdir(), 'cutoff-pack-'));
    const { stdout } = await run(
      'npm',
      [
        'pack',
        ...PACKAGES.flatMap((name) => ['-w', `packages/${name}`]),
        '--pack-destination',
        directory,
        '--ignore-scripts', // built just above; `prepack` builds when a person runs npm pack
        '--json',
      ],
      { cwd: root },
    );
    packed = JSON.parse(stdout) as PackResult[];
    project = join(directory, 'app');
    await mkdir(project);
    await writeFile(
      join(project, 'package.json'),
      JSON.stringify({ name: 'my-app', private: true, type: 'module' }),
    );
    await run(
      'npm',
      [
        'install',
        '--prefer-offline',
        '--ignore-scripts',
        '--no-audit',
        '--no-fund',
        ...packed.map((result) => join(directory, result.filename)),
      ],
      { cwd: project, env: { ...process.env, npm_config_update_notifier: 'false' } },
    );
    const addon = 'node_modules/better-sqlite3/build/Release/better_sqlite3.node';
    const version = async (base: string) =>
      (
        JSON.parse(await readFile(join(base, 'node_modules/better-sqlite3/package.json'), 'utf8')) as {
          version: string;
        }
      ).version;
    expect(await version(project)).toBe(await version(root));
    await mkdir(join(project, 'node_modules/better-sqlite3/build/Release'), { recursive: true });
    await copyFile(join(root, addon), join(project, addon));
  }, 300_000);

  afterAll(async () => {
    for (const child of children) child.kill('SIGKILL');
    await rm(directory, { recursive: true, force: true });
  });

  it('ships what a user needs and nothing of the repo (no sources, tests, maps, tsconfig)', () => {
    expect(packed.map((result) => result.name).sort()).toEqual([
      '@cutoff/client',
      '@cutoff/guard',
      '@cutoff/server',
    ]);
    for (const result of packed) {
      const paths = result.files.map((file) => file.path);
      expect(paths).toEqual(
        expect.arrayContaining(['package.json', 'LICENSE', 'README.md', 'dist/index.js']),
      );
      expect(paths.filter((path) => !path.startsWith('dist/') && !path.startsWith('bin/')).sort()).toEqual([
        'LICENSE',
        'README.md',
        'package.json',
      ]);
      expect(paths.filter((path) => /\.map$|tsbuildinfo|^src\/|\/test\//.test(path))).toEqual([]);
    }
    const server = packed.find((result) => result.name === '@cutoff/server');
    expect(server?.files.map((file) => file.path)).toContain('bin/cutoff.js');
  });

  it('npm publish --dry-run is clean: nothing auto-corrected (it once dropped the bin), public access', async () => {
    for (const name of PACKAGES) {
      const { stderr } = await run(
        'npm',
        ['publish', '--dry-run', '--ignore-scripts', '-w', `packages/${name}`],
        { cwd: root },
      );
      const warnings = stderr
        .split('\n')
        .filter((line) => line.startsWith('npm warn'))
        // Nobody is logged in to a registry here; that is the one warning a dry run may give.
        .filter((line) => !line.includes('requires you to be logged in'));
      expect(warnings).toEqual([]);
      expect(stderr).toContain('public access');
    }
  }, 120_000);

  it('protects a route with the installed guard, served by the installed cutoff bin, and refuses a revoked token', async () => {
    const cutoff = join(project, 'node_modules/.bin/cutoff');
    const { stdout: version } = await run(cutoff, ['--version']);
    expect(version.trim()).toBe('0.1.0');

    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const adminKey = 'pack-test-admin-key-0123456789';
    const server = spawn(cutoff, ['serve'], {
      cwd: project,
      env: {
        ...process.env,
        CUTOFF_PORT: String(port),
        CUTOFF_ISSUER: url,
        CUTOFF_DATA_DIR: join(directory, 'data'),
        CUTOFF_ADMIN_KEY: adminKey,
        CUTOFF_LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(server);
    let serverStderr = '';
    server.stderr.on('data', (chunk: Buffer) => (serverStderr += chunk.toString()));
    await waitFor('the server', async () => (await fetch(`${url}/readyz`)).ok);

    const env = { ...process.env, CUTOFF_URL: url, CUTOFF_ADMIN_KEY: adminKey };
    const cli = async (args: string[], input?: string): Promise<any> => {
      const child = run(cutoff, ['--json', ...args], { env });
      if (input !== undefined) child.child.stdin?.end(input);
      return JSON.parse((await child).stdout);
    };
    const feedKey = (await cli(['apikeys', 'create', '--name', 'my-app', '--scope', 'feed:read']))
      .key as string;
    const password = 'correct horse battery staple';
    await cli(['users', 'add', 'alice', '--password-stdin'], password);

    // The app a user writes, importing the guard as installed from the tarball.
    await writeFile(
      join(project, 'app.js'),
      `import { createServer } from 'node:http';
import { createGuard } from '@cutoff/guard';
import { guardHandler } from '@cutoff/guard/node';
const guard = createGuard({
  issuer: process.env.ISSUER, audience: 'cutoff', algorithms: ['RS256'],
  feedUrl: process.env.ISSUER, feedApiKey: process.env.FEED_KEY, app: 'my-app',
});
await guard.ready;
createServer(guardHandler(guard, (_req, res, claims) => res.end(JSON.stringify({ hello: claims.sub }))))
  .listen(Number(process.env.PORT), '127.0.0.1', () => console.log('listening'));
`,
    );
    const appPort = await freePort();
    const app = spawn(process.execPath, ['app.js'], {
      cwd: project,
      env: { ...process.env, ISSUER: url, FEED_KEY: feedKey, PORT: String(appPort) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(app);
    let appOutput = '';
    app.stdout.on('data', (chunk: Buffer) => (appOutput += chunk.toString()));
    app.stderr.on('data', (chunk: Buffer) => (appOutput += chunk.toString()));
    await waitFor('the app', () => Promise.resolve(appOutput.includes('listening')));

    const login = await fetch(`${url}/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'alice', password }),
    });
    expect(login.status).toBe(200);
    const { access_token: token } = (await login.json()) as { access_token: string };
    const call = () =>
      fetch(`http://127.0.0.1:${appPort}/`, { headers: { authorization: `Bearer ${token}` } });
    const before = await call();
    expect(before.status).toBe(200);
    expect(await before.json()).toEqual({ hello: expect.stringMatching(/^usr_/) });

    await cli(['revoke', 'user', 'alice', '--reason', 'offboarding']);
    await waitFor('the revoked token to be refused', async () => (await call()).status === 401, 5_000);
    expect((await call()).status).toBe(401);
    expect(serverStderr).not.toMatch(/Warning|FSTDEP|DEP0/);
  }, 120_000);
});
