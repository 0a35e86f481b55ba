import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/test-server.js';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const bin = join(root, 'packages/server/dist/cli/main.js');

describe('cutoff ssf transmitters (the built CLI against a real server)', () => {
  let t: TestServer;
  const cli = (args: readonly string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        [bin, '--url', t.url, ...args],
        { env: { ...process.env, CUTOFF_ADMIN_KEY: t.adminKey } },
        (error, stdout, stderr) =>
          resolve({ code: error === null ? 0 : Number(error.code ?? 1), stdout, stderr }),
      );
    });

  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(() => t.close());

  it('puts, lists and removes a transmitter, audited; a bad URL is refused with the field named', async () => {
    const put = await cli([
      'ssf',
      'transmitters',
      'put',
      'okta',
      '--issuer',
      'https://acme.okta.com',
      '--jwks-uri',
      'https://acme.okta.com/oauth2/v1/keys',
      '--max-age-seconds',
      '600',
    ]);
    expect(put.stderr).toBe('');
    expect(put.stdout).toContain('transmitter okta: https://acme.okta.com');
    const list = await cli(['ssf', 'transmitters', 'list']);
    expect(list.stdout).toMatch(
      /okta\s+https:\/\/acme\.okta\.com\s+https:\/\/acme\.okta\.com\/oauth2\/v1\/keys\s+\(issuer\)\s+600/,
    );
    const bad = await cli([
      'ssf',
      'transmitters',
      'put',
      'x',
      '--issuer',
      'https://x',
      '--jwks-uri',
      'ftp://x/keys',
    ]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('jwks_uri');
    const removed = await cli(['ssf', 'transmitters', 'remove', 'okta']);
    expect(removed.stdout).toContain('removed transmitter okta');
    expect((await t.api('GET', '/v1/ssf/transmitters/okta')).status).toBe(404);
    const audit = await t.api('GET', '/v1/audit?limit=1000');
    const actions = (audit.body.events as { action: string }[]).map((event) => event.action);
    expect(actions).toEqual(
      expect.arrayContaining(['ssf_transmitter.configured', 'ssf_transmitter.removed']),
    );
  });
});
