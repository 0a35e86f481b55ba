import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, type TestUser } from '../support/test-server.js';
import { csvRecords } from './csv-parse.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../../../', import.meta.url));
const bin = join(root, 'packages/server/dist/cli/main.js');

describe('cutoff report group (the CLI, from the build)', () => {
  let t: TestServer;
  let directory: string;
  let member: TestUser;
  const cli = (...args: string[]) =>
    run(process.execPath, [bin, '--url', t.url, ...args], {
      env: { ...process.env, CUTOFF_ADMIN_KEY: t.adminKey },
    });

  beforeAll(async () => {
    // The CLI runs from the build, as users run it.
    await run(process.execPath, [
      join(root, 'node_modules/typescript/bin/tsc'),
      '-b',
      join(root, 'packages/server'),
    ]);
    directory = await mkdtemp(join(tmpdir(), 'cutoff-report-'));
    t = await startTestServer({ config: { scheduleIntervalMs: 3_600_000 } });
    member = await t.createUser({ groups: ['atlas', 'staff'] });
    await t.api('PUT', '/v1/groups/atlas', { display_name: 'Atlas <contract> & "partners"' });
    await t.login(member.username, member.password);
    expect((await t.api('POST', '/v1/groups/atlas/end')).status).toBe(200);
  }, 120_000);
  afterAll(async () => {
    await t.close();
    await rm(directory, { recursive: true, force: true });
  });

  it('writes the CSV to a file, identical to the API', async () => {
    const out = join(directory, 'atlas.csv');
    const { stdout, stderr } = await cli('report', 'group', 'atlas', '--format', 'csv', '--out', out);
    expect(stdout).toBe('');
    expect(stderr).toContain(out);
    const text = await readFile(out, 'utf8');
    const rows = csvRecords(text);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      group_name: 'atlas',
      user_id: member.id,
      username: member.username,
      last_session_revoked: 'true',
      revocation_reason: 'contractor_end',
    });
    expect(rows[0]!.audit_hash).toMatch(/^[0-9a-f]{64}$/);
    const api = await fetch(`${t.url}/v1/reports/groups/atlas?format=csv`, {
      headers: { authorization: `Bearer ${t.adminKey}` },
    });
    expect(text).toBe(await api.text());
    // Evidence can name people: readable by its owner only.
    expect((await stat(out)).mode & 0o077).toBe(0);
  });

  it('prints JSON and HTML to standard output', async () => {
    const json = JSON.parse((await cli('report', 'group', 'atlas', '--format', 'json')).stdout);
    expect(json.group).toMatchObject({ name: 'atlas', display_name: 'Atlas <contract> & "partners"' });
    expect(json.members[0]).toMatchObject({ user_id: member.id, membership: 'removed_at_end' });
    expect(json.members[0].revocations[0]).toMatchObject({
      action: 'group.revoked',
      reason: 'contractor_end',
    });

    const html = (await cli('report', 'group', 'atlas', '--format', 'html')).stdout;
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('Atlas &lt;contract&gt; &amp; &quot;partners&quot;');
    expect(html).not.toMatch(/<script/i);
  });

  it('fails with a message and exit code 1 for an unknown group or format', async () => {
    const unknown = await cli('report', 'group', 'no-such-group', '--format', 'csv').catch((error) => error);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('No group with that name.');
    const format = await cli('report', 'group', 'atlas', '--format', 'xlsx').catch((error) => error);
    expect(format.code).toBe(1);
    expect(format.stderr).toMatch(/xlsx/);
  });
});
