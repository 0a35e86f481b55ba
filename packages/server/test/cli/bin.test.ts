import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../../../', import.meta.url));

describe('the cutoff bin from the repository root', () => {
  let manifest: { version: string; bin: { cutoff: string } };
  beforeAll(async () => {
    manifest = JSON.parse(await readFile(join(root, 'packages/server/package.json'), 'utf8'));
    await run(process.execPath, [
      join(root, 'node_modules/typescript/bin/tsc'),
      '-b',
      join(root, 'packages/server'),
    ]);
  }, 120_000);

  it('is a committed file, not a build output, so `npm ci` in a fresh clone links it', async () => {
    // npm links a bin at install only if its file exists then, and npm ci runs before the build.
    const bin = join('packages/server', manifest.bin.cutoff);
    expect(bin.startsWith('packages/server/dist/')).toBe(false);
    const { stdout } = await run('git', ['ls-files', '--error-unmatch', bin], { cwd: root });
    expect(stdout.trim()).toBe(bin);
  });

  it('npx cutoff runs it from the repository root', async () => {
    const { stdout } = await run('npx', ['--no-install', 'cutoff', '--version'], { cwd: root });
    expect(stdout.trim()).toBe(manifest.version);
    const help = await run('npx', ['--no-install', 'cutoff', '--help'], { cwd: root });
    expect(help.stdout).toContain('Usage: cutoff');
  });

  it('says what to do when the checkout is not built yet', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'cutoff-bin-'));
    try {
      await mkdir(join(directory, 'bin'));
      await copyFile(join(root, 'packages/server', manifest.bin.cutoff), join(directory, 'bin/cutoff.js'));
      await copyFile(join(root, 'packages/server/package.json'), join(directory, 'package.json'));
      const failed = await run(process.execPath, [join(directory, 'bin/cutoff.js'), '--help']).then(
        () => undefined,
        (error: { code: number; stderr: string }) => error,
      );
      expect(failed?.code).toBe(1);
      expect(failed?.stderr).toContain('npm run build');
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});
