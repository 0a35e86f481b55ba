import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, totpCode, type TestServer } from '../support/test-server.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../../../', import.meta.url));
const bin = join(root, 'packages/server/bin/cutoff.js');

/**
 * Runs a shell command on a pseudo-terminal (util-linux `script`) and answers prompts as a person
 * would: each answer is typed once its prompt has appeared (the CLI turns echo off before it
 * prints a prompt, so nothing typed then can be echoed).
 */
const onTerminal = (
  command: string,
  answers: readonly { readonly after: string; readonly type: string }[],
  env: NodeJS.ProcessEnv,
): Promise<string> =>
  new Promise((resolve, reject) => {
    const child = spawn('script', ['-qec', command, '/dev/null'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    let answered = 0;
    let searchFrom = 0;
    const onOutput = (chunk: Buffer): void => {
      output += chunk.toString();
      const next = answers[answered];
      if (next === undefined) return;
      const at = output.indexOf(next.after, searchFrom);
      if (at === -1) return;
      answered += 1;
      searchFrom = at + next.after.length;
      child.stdin.write(`${next.type}\r`);
    };
    child.stdout.on('data', onOutput);
    child.stderr.on('data', onOutput);
    child.on('error', reject);
    child.on('exit', () => resolve(output));
  });

// Every CLI call starts a Node process (~0.3 s idle, seconds on a loaded machine): generous timeouts.
describe('the runbook commands of the CLI (real binary, real server)', { timeout: 120_000 }, () => {
  let t: TestServer;
  let directory: string;
  let env: NodeJS.ProcessEnv;
  const cli = async (...args: string[]): Promise<any> => {
    const { stdout } = await run(process.execPath, [bin, '--url', t.url, '--json', ...args], { env });
    return JSON.parse(stdout);
  };
  const failing = (...args: string[]) =>
    run(process.execPath, [bin, '--url', t.url, ...args], { env }).then(
      () => {
        throw new Error(`cutoff ${args.join(' ')} succeeded`);
      },
      (error: { code: number; stderr: string }) => error,
    );

  beforeAll(async () => {
    // The CLI runs from the build, as users run it.
    await run(process.execPath, [
      join(root, 'node_modules/typescript/bin/tsc'),
      '-b',
      join(root, 'packages/server'),
    ]);
    directory = await mkdtemp(join(tmpdir(), 'cutoff-runbook-'));
    t = await startTestServer({ config: { scheduleIntervalMs: 3_600_000 } });
    env = { ...process.env, CUTOFF_ADMIN_KEY: t.adminKey };
  }, 120_000);
  afterAll(async () => {
    await t.close();
    await rm(directory, { recursive: true, force: true });
  });

  it('prints its version', async () => {
    const { stdout } = await run(process.execPath, [bin, '--version']);
    const manifest = JSON.parse(await readFile(join(root, 'packages/server/package.json'), 'utf8'));
    expect(stdout.trim()).toBe(manifest.version);
  });

  it('users add: refuses a password-less user unless --no-password says so, prompts on a terminal', async () => {
    // stdin is not a terminal (execFile: a pipe) and no --password-stdin: refused, nothing created.
    const refused = await failing('users', 'add', 'carol');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('--no-password');
    expect(await cli('users', 'list', '--username', 'carol')).toEqual([]);

    expect(await cli('users', 'add', 'carol', '--no-password')).toMatchObject({ username: 'carol' });
    expect((await t.login('carol', 'anything at all')).status).toBe(401);

    // On a terminal: asked twice, hidden, and the user can log in with it.
    const password = 'a terminal typed passphrase';
    const output = await onTerminal(
      `${process.execPath} ${bin} --url ${t.url} users add dora`,
      [
        { after: 'Password for dora', type: password },
        { after: 'Repeat the password', type: password },
      ],
      env,
    );
    expect(output).toContain('Password for dora');
    expect(output).toContain('Repeat the password');
    expect(output).not.toContain(password); // never echoed
    expect(output).toContain('created user dora');
    expect((await t.login('dora', password)).status).toBe(200);

    const mismatch = await onTerminal(
      `${process.execPath} ${bin} --url ${t.url} users add erin`,
      [
        { after: 'Password for erin', type: password },
        { after: 'Repeat the password', type: 'something else entirely' },
      ],
      env,
    );
    expect(mismatch).toContain('did not match');
    expect(await cli('users', 'list', '--username', 'erin')).toEqual([]);
  });

  it('offboarding: users deactivate revokes and blocks login, show and activate undo it', async () => {
    const alice = await t.createUser({ username: 'alice-offboard' });
    expect((await t.login(alice.username, alice.password)).status).toBe(200);
    const deactivated = await cli('users', 'deactivate', alice.username);
    expect(deactivated).toMatchObject({
      active: false,
      revocation: { reason: 'offboarding', sessions_revoked: 1 },
    });
    expect((await t.login(alice.username, alice.password)).status).toBe(401);
    expect(await cli('users', 'show', alice.username)).toMatchObject({ id: alice.id, active: false });
    expect(await cli('users', 'activate', alice.id)).toMatchObject({ active: true });
    expect((await t.login(alice.username, alice.password)).status).toBe(200);
  });

  it('role downgrade: users update replaces roles and revokes (role_change)', async () => {
    const bob = await t.createUser({ username: 'bob-roles', roles: ['admin', 'reader'] });
    await t.login(bob.username, bob.password);
    const updated = await cli('users', 'update', bob.username, '--role', 'reader');
    expect(updated).toMatchObject({
      roles: ['reader'],
      revocation: { reason: 'role_change', sessions_revoked: 1 },
    });
    expect(await cli('users', 'update', bob.username, '--no-roles')).toMatchObject({ roles: [] });
    expect((await failing('users', 'update', bob.username)).stderr).toContain('nothing to change');
  });

  it('contractor project end: groups set, list, show, end with the access report written to a file', async () => {
    const contractor = await t.createUser({ username: 'zed-contractor', groups: ['phoenix'] });
    await t.login(contractor.username, contractor.password);
    const endAt = new Date(Math.floor(Date.now() / 1000) * 1000 + 86_400_000).toISOString();
    expect(
      await cli('groups', 'set', 'phoenix', '--display-name', 'Phoenix', '--end-at', endAt),
    ).toMatchObject({
      name: 'phoenix',
      members: 1,
      end_at: endAt,
    });
    expect((await cli('groups', 'list')).map((group: any) => group.name)).toContain('phoenix');
    expect(await cli('groups', 'show', 'phoenix')).toMatchObject({ display_name: 'Phoenix', ended_at: null });

    const file = join(directory, 'phoenix.csv');
    const ended = await cli(
      'groups',
      'end',
      'phoenix',
      '--note',
      'closed',
      '--report',
      file,
      '--format',
      'csv',
    );
    expect(ended).toMatchObject({
      outcome: 'ended',
      members_removed: [{ id: contractor.id }],
      revocation: { reason: 'contractor_end', sessions_revoked: 1 },
      report_file: file,
    });
    const report = await readFile(file, 'utf8');
    expect(report).toContain(contractor.username);
    expect(report).toContain(String(ended.revocation.seq));
    expect(await cli('groups', 'end', 'phoenix')).toMatchObject({
      outcome: 'already_ended',
      revocation: null,
    });
    expect((await failing('groups', 'show', 'no-such-group')).stderr).toContain('No group');
  });

  it('contractor project end: --deactivate-members exclusive deactivates members in no other group', async () => {
    const only = await t.createUser({ username: 'yan-contractor', groups: ['atlas'] });
    const staff = await t.createUser({ username: 'xia-staff', groups: ['atlas', 'staff'] });
    expect(await cli('groups', 'set', 'atlas', '--deactivate-members', 'exclusive')).toMatchObject({
      name: 'atlas',
      deactivate_members: 'exclusive',
    });
    expect((await failing('groups', 'end', 'atlas', '--deactivate-members', 'all')).stderr).toContain(
      'none, exclusive',
    );
    await cli('groups', 'end', 'atlas', '--deactivate-members', 'exclusive');
    expect(await cli('users', 'show', only.username)).toMatchObject({ active: false });
    expect(await cli('users', 'show', staff.username)).toMatchObject({ active: true });
  });

  it('compromised account: incident open, then investigate', async () => {
    const victim = await t.createUser({ username: 'vic-incident' });
    await t.login(victim.username, victim.password);
    const incident = await cli('incident', 'open', victim.username, '--note', 'impossible travel');
    expect(incident).toMatchObject({
      user_id: victim.id,
      mfa_required: true,
      revocation: { reason: 'security_incident', sessions_revoked: 1 },
    });
    const view = await cli('investigate', victim.username);
    expect(view.revoked_sessions).toHaveLength(1);
    expect(view.revoked_sessions[0]).toMatchObject({ revoked_reason: 'security_incident' });
    expect(view.events.map((event: any) => event.action)).toContain('user.revoked');
  });

  it('compromised account: users totp enrol prints the secret once, confirm makes logins need a code', async () => {
    const user = await t.createUser({ username: 'tess-totp' });
    // Human output: the otpauth URI and the secret, and what to run next.
    const { stdout } = await run(
      process.execPath,
      [bin, '--url', t.url, 'users', 'totp', 'enrol', user.username],
      {
        env,
      },
    );
    const shown = /secret {2}([A-Z2-7]+)/.exec(stdout)?.[1];
    expect(shown).toEqual(expect.any(String));
    expect(stdout).toContain(`otpauth://totp/`);
    expect(stdout).toContain(`secret=${shown}`);
    expect(stdout).toContain(`cutoff users totp confirm ${user.username}`);
    // Login is unchanged while the enrolment is pending.
    expect((await t.login(user.username, user.password)).status).toBe(200);

    // --json gives both; enrolling again replaces the pending secret.
    const enrolment = await cli('users', 'totp', 'enrol', user.id);
    expect(enrolment).toEqual({
      user_id: user.id,
      secret: expect.any(String),
      otpauth_uri: expect.stringMatching(/^otpauth:\/\/totp\//),
    });
    expect(enrolment.otpauth_uri).toContain(`secret=${enrolment.secret}`);
    expect(enrolment.secret).not.toBe(shown);

    expect((await failing('users', 'totp', 'confirm', user.username, '12345')).stderr).toContain('6 digits');
    // The previous step's code (the current one stays unused for the login below), typed as the
    // app shows it; a second try covers a step boundary passing during the call.
    let confirmed: any;
    for (let attempt = 0; attempt < 2 && confirmed === undefined; attempt += 1) {
      const code = totpCode(enrolment.secret, Date.now() - 30_000);
      confirmed = await cli(
        'users',
        'totp',
        'confirm',
        user.username,
        `${code.slice(0, 3)} ${code.slice(3)}`,
      ).catch(() => undefined);
    }
    expect(confirmed).toMatchObject({ id: user.id, mfa_enrolled: true });
    expect((await t.login(user.username, user.password)).status).toBe(401);
    expect((await t.login(user.username, user.password, { totp: totpCode(enrolment.secret) })).status).toBe(
      200,
    );
    // Nothing pending any more.
    expect((await failing('users', 'totp', 'confirm', user.username, '000000')).code).toBe(1);
  });

  it('evidence: audit tail --target user:<username or id> gives the newest events about that user', async () => {
    const gone = await t.createUser({ username: 'gus-evidence' });
    await t.login(gone.username, gone.password);
    await cli('users', 'deactivate', gone.username);
    // Later events about other users: more than ten times --limit, so the newest about gus are far back.
    for (let i = 0; i < 12; i += 1) await t.createUser({ username: `noise-evidence-${i}` });

    const events = await cli('audit', 'tail', '--target', `user:${gone.username}`);
    expect(events.length).toBeGreaterThan(1);
    expect(events.every((event: any) => event.target?.type === 'user' && event.target.id === gone.id)).toBe(
      true,
    );
    expect(events.map((event: any) => event.action)).toEqual(
      expect.arrayContaining(['user.created', 'user.updated', 'user.revoked']),
    );
    expect(await cli('audit', 'tail', '--target', `user:${gone.id}`)).toEqual(events);
    // The newest one, not "those among the newest one event".
    expect(await cli('audit', 'tail', '--target', `user:${gone.username}`, '--limit', '1')).toEqual([
      events.at(-1),
    ]);
    expect(
      await cli('audit', 'tail', '--target', `user:${gone.username}`, '--action', 'user.revoked'),
    ).toMatchObject([{ action: 'user.revoked', reason: 'offboarding' }]);

    const { stdout } = await run(
      process.execPath,
      [bin, '--url', t.url, 'audit', 'tail', '--target', `user:${gone.username}`],
      { env },
    );
    expect(stdout).toContain(`user:${gone.id}`);
    expect((await failing('audit', 'tail', '--target', 'user:nobody-here')).stderr).toContain(
      'no user named nobody-here',
    );
  });

  it('guards, clients add|list, revocations list', async () => {
    const fleet = await cli('guards');
    expect(fleet).toEqual({ head: expect.any(Number), head_read_at: expect.any(String), guards: [] });
    const created = await cli(
      'clients',
      'add',
      '--name',
      'Orders web',
      '--type',
      'confidential',
      '--id',
      'orders-web',
    );
    expect(created).toMatchObject({ client_id: 'orders-web', type: 'confidential' });
    expect(created.client_secret).toEqual(expect.any(String));
    const clients = await cli('clients', 'list');
    expect(clients.map((client: any) => client.client_id)).toContain('orders-web');
    expect(clients.find((client: any) => client.client_id === 'orders-web').client_secret).toBeUndefined();

    const feed = await cli('revocations', 'list');
    expect(feed.head).toBeGreaterThan(0);
    expect(feed.entries.map((entry: any) => entry.kind)).toEqual(expect.arrayContaining(['user', 'group']));
    const later = await cli('revocations', 'list', '--after', String(feed.head - 1));
    expect(later.entries.map((entry: any) => entry.seq)).toEqual([feed.head]);
  });

  it('revocations tail prints a revocation live, as it commits', async () => {
    const user = await t.createUser({ username: 'tail-target' });
    const child = spawn(
      process.execPath,
      [bin, '--url', t.url, '--json', 'revocations', 'tail', '--count', '1'],
      {
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    // It is following once it said so (it read the head first, so older entries are not replayed).
    for (let i = 0; i < 200 && !stderr.includes('following'); i += 1)
      await new Promise((r) => setTimeout(r, 25));
    // The stream is open once the server counts a subscriber; give it the moment to attach.
    await new Promise((r) => setTimeout(r, 300));
    const revoked = await t.api('POST', '/v1/revocations', {
      target: { type: 'user', id: user.id },
      reason: 'manual',
    });
    expect(revoked.status).toBe(201);
    expect(await exited).toBe(0);
    expect(JSON.parse(stdout.trim())).toMatchObject({
      seq: revoked.body.seq,
      kind: 'user',
      key: user.id,
      reason: 'manual',
    });
  });

  it('shows a progress display on a terminal when a call takes more than a second, none when piped', async () => {
    // A front that answers 1.5 s late, as a busy server would.
    const slow: Server = createServer((request, response) => {
      setTimeout(() => {
        void fetch(new URL(request.url ?? '/', t.url), {
          method: request.method ?? 'GET',
          headers: { authorization: request.headers.authorization ?? '' },
        }).then(async (upstream) => {
          response.writeHead(upstream.status, { 'content-type': 'application/json' });
          response.end(await upstream.text());
        });
      }, 1500);
    });
    await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve));
    const address = slow.address();
    const slowUrl = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
    try {
      await cli('users', 'add', 'slow-user', '--no-password');
      const user = (await cli('users', 'list', '--username', 'slow-user'))[0];
      const terminal = await onTerminal(
        `${process.execPath} ${bin} --url ${slowUrl} investigate ${user.id}`,
        [],
        env,
      );
      expect(terminal).toContain('investigating');
      expect(terminal).toContain('slow-user');
      const piped = await run(process.execPath, [bin, '--url', slowUrl, 'investigate', user.id], { env });
      expect(piped.stderr).toBe('');
    } finally {
      await new Promise((resolve) => slow.close(resolve));
    }
  });
});
