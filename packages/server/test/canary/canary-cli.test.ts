import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { startCachingApp, startGuardedApp, startRecorder, type RunningApp } from './apps.js';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const bin = join(root, 'packages/server/dist/cli/main.js');

interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

describe('cutoff canary (the built CLI against a real server)', () => {
  let t: TestServer;
  const apps: RunningApp[] = [];
  let orders: RunningApp;
  let cached: RunningApp;

  const cli = (args: readonly string[], stdin?: string): Promise<CliResult> =>
    new Promise((resolve) => {
      const child = execFile(
        process.execPath,
        [bin, '--url', t.url, ...args],
        { env: { ...process.env, CUTOFF_ADMIN_KEY: t.adminKey } },
        (error, stdout, stderr) =>
          resolve({ code: error === null ? 0 : Number(error.code ?? 1), stdout, stderr }),
      );
      child.stdin?.end(stdin ?? '');
    });

  beforeAll(async () => {
    t = await startTestServer({ config: { canaryDeadlineMs: 1000 } });
    const feedApiKey = await t.apiKey(['feed:read']);
    orders = await startGuardedApp({ issuer: t.url, feedApiKey, app: 'orders' });
    cached = await startCachingApp({ issuer: t.url, feedApiKey });
    apps.push(orders, cached);
  });

  afterAll(async () => {
    await Promise.all(apps.map((app) => app.close()));
    await t.close();
  });

  it('adds, lists and removes probes, header values read from stdin and never printed', async () => {
    const gateway = await startRecorder(200);
    apps.push(gateway);
    const added = await cli(
      ['canary', 'probes', 'add', 'gateway', gateway.url, '--headers-stdin', '--timeout-ms', '500'],
      JSON.stringify({ 'X-Api-Key': 'gw-key-from-stdin' }),
    );
    expect(added).toMatchObject({ code: 0 });
    expect(added.stdout).toContain(`probe gateway: GET ${gateway.url}`);
    const listed = await cli(['canary', 'probes', 'list']);
    expect(listed.stdout).toMatch(/gateway\s+GET\s+\S+\s+x-api-key\s+500/);
    expect(listed.stdout + added.stdout).not.toContain('gw-key-from-stdin');
    expect((await cli(['canary', 'probes', 'remove', 'gateway'])).stdout).toContain('removed probe gateway');
    expect(JSON.parse((await cli(['--json', 'canary', 'probes', 'list'])).stdout)).toEqual([]);
  });

  it('run prints a human summary and exits 0 when every probe passes, 1 naming the probe that does not', async () => {
    expect((await cli(['canary', 'status'])).code).toBe(1); // nothing ran yet
    await cli(['canary', 'probes', 'add', 'orders', orders.url]);
    const passing = await cli(['canary', 'run']);
    expect(passing.code).toBe(0);
    expect(passing.stdout).toMatch(/^canary OK: cycle can_\S+ at \S+, revoked by session/);
    expect(passing.stdout).toMatch(
      /ok {4}orders: refused the revoked token after \d+ ms \(statuses 200 -> 401\)/,
    );

    await cli(['canary', 'probes', 'add', 'cached-proxy', cached.url]);
    const failing = await cli(['canary', 'run']);
    expect(failing.code).toBe(1);
    expect(failing.stdout).toContain('canary FAILED');
    expect(failing.stdout).toContain(
      'FAIL  cached-proxy: still accepted the revoked token after 1000 ms (statuses 200)',
    );

    const json = await cli(['--json', 'canary', 'run']);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, probes: expect.any(Array) });

    const status = await cli(['canary', 'status']);
    expect(status.code).toBe(1);
    expect(status.stdout).toMatch(/last 3 cycles: 1 ok, 2 failed/);
  });

  it('report canary writes the evidence per probe, as the API renders it', async () => {
    const csv = await cli(['report', 'canary', '--format', 'csv']);
    expect(csv.code).toBe(0);
    const [header, ...rows] = csv.stdout.trim().split(/\r?\n/);
    expect(header).toContain('cycles');
    expect(rows.some((row) => row.startsWith('cached-proxy,'))).toBe(true);
    const json = JSON.parse((await cli(['--json', 'report', 'canary'])).stdout);
    expect(json.probes.map((probe: { probe: string }) => probe.probe).sort()).toEqual([
      'cached-proxy',
      'orders',
    ]);
    expect((await cli(['report', 'canary', '--format', 'pdf'])).code).toBe(1);
  });
});
