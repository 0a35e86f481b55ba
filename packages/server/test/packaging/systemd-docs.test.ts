import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/test-server.js';

/** The systemd unit and environment file of docs/operations.md, as a user copies them. */
const run = promisify(execFile);
const root = fileURLToPath(new URL('../../../../', import.meta.url));

const block = (doc: string, after: string, lang: string): string => {
  const start = doc.indexOf(after);
  expect(start).toBeGreaterThan(-1);
  const match = new RegExp('```' + lang + '\\n([\\s\\S]*?)```').exec(doc.slice(start));
  if (match?.[1] === undefined) throw new Error(`no ${lang} block after ${after}`);
  return match[1];
};

describe('docs/operations.md: the systemd unit and its environment file', () => {
  let doc: string;
  let directory: string;
  beforeAll(async () => {
    doc = await readFile(join(root, 'docs/operations.md'), 'utf8');
    directory = await mkdtemp(join(tmpdir(), 'cutoff-systemd-'));
    await run(process.execPath, [
      join(root, 'node_modules/typescript/bin/tsc'),
      '-b',
      join(root, 'packages/server'),
    ]);
  }, 120_000);
  afterAll(() => rm(directory, { recursive: true, force: true }));

  it('the unit passes systemd-analyze verify and starts the bin the package ships', async () => {
    const unit = block(doc, '/etc/systemd/system/cutoff.service', 'ini');
    const file = join(directory, 'cutoff.service');
    await writeFile(file, unit);
    // verify exits 0 on an unknown value too, so its complaints are the verdict.
    const { stderr } = await run('systemd-analyze', ['verify', file]);
    expect(stderr).toBe('');
    const manifest = JSON.parse(await readFile(join(root, 'packages/server/package.json'), 'utf8'));
    const execStart = /^ExecStart=(\S+) (\S+) serve$/m.exec(unit);
    expect(execStart?.[2]).toBe(join('/opt/cutoff/node_modules/@cutoff/server', manifest.bin.cutoff));
    expect(unit).toMatch(/^EnvironmentFile=\/etc\/cutoff\/cutoff\.env$/m);
  });

  it('the environment file, filled in, starts a clean server that drains and exits 0 on SIGTERM', async () => {
    const variables = Object.fromEntries(
      block(doc, '/etc/cutoff/cutoff.env', 'sh')
        .split('\n')
        .filter((line) => /^[A-Z_]+=/.test(line))
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    );
    expect(Object.keys(variables)).toEqual(
      expect.arrayContaining([
        'CUTOFF_ADMIN_KEY',
        'CUTOFF_ENCRYPTION_KEY',
        'CUTOFF_DATA_DIR',
        'CUTOFF_ISSUER',
      ]),
    );
    // What the comments ask the operator to fill in, and this machine's paths and port.
    const port = await freePort();
    const adminKey = randomBytes(32).toString('base64');
    const env = {
      PATH: process.env.PATH ?? '',
      ...variables,
      CUTOFF_ADMIN_KEY: adminKey,
      CUTOFF_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      CUTOFF_DATA_DIR: join(directory, 'state'),
      CUTOFF_PORT: String(port),
    };
    const child = spawn(process.execPath, [join(root, 'packages/server/bin/cutoff.js'), 'serve'], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    try {
      const url = `http://127.0.0.1:${port}`;
      let ready = false;
      for (let attempt = 0; attempt < 200 && !ready; attempt += 1) {
        ready = await fetch(`${url}/readyz`).then(
          (response) => response.ok,
          () => false,
        );
        if (!ready) await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(ready).toBe(true);
      const users = await fetch(`${url}/v1/users`, { headers: { authorization: `Bearer ${adminKey}` } });
      expect(users.status).toBe(200);
      const discovery = await fetch(`${url}/.well-known/oauth-authorization-server`);
      expect(((await discovery.json()) as { issuer: string }).issuer).toBe(variables.CUTOFF_ISSUER);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    expect(stderr).toBe('');
  }, 60_000);
});
