import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, totpCode, type TestServer } from '../support/test-server.js';

describe('users API', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(() => t.close());

  it('creates a user (201) and never returns secrets', async () => {
    const response = await t.api('POST', '/v1/users', {
      username: 'alice',
      email: 'alice@example.com',
      password: 'correct horse battery',
      roles: ['admin', 'reader'],
      groups: ['eng'],
    });
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({
      username: 'alice',
      email: 'alice@example.com',
      roles: ['admin', 'reader'],
      groups: ['eng'],
      active: true,
      mfa_enrolled: false,
    });
    expect(response.body.id).toMatch(/^usr_/);
    expect(JSON.stringify(response.body)).not.toContain('correct horse');
    expect(response.body).not.toHaveProperty('password_hash');
  });

  it('rejects a duplicate username with 409', async () => {
    await t.api('POST', '/v1/users', { username: 'dup', password: 'password-1' });
    const again = await t.api('POST', '/v1/users', { username: 'dup', password: 'password-2' });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ error: 'conflict', code: 'ERR_CONFLICT' });
  });

  it('gets, finds by username and patches a user', async () => {
    const created = await t.api('POST', '/v1/users', { username: 'bob', password: 'password-bob' });
    const id = created.body.id as string;
    expect((await t.api('GET', `/v1/users/${id}`)).body.username).toBe('bob');
    const found = await t.api('GET', '/v1/users?username=bob');
    expect(found.status).toBe(200);
    expect(found.body.users).toHaveLength(1);
    expect(found.body.users[0].id).toBe(id);
    const patched = await t.api('PATCH', `/v1/users/${id}`, { roles: ['reader'], email: 'bob@example.com' });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ roles: ['reader'], email: 'bob@example.com', revocation: null });
  });

  it('answers 404 for an unknown user and 400 for bad input, without changing anything', async () => {
    expect((await t.api('GET', '/v1/users/usr_nope')).status).toBe(404);
    expect((await t.api('PATCH', '/v1/users/usr_nope', { active: false })).status).toBe(404);
    // An id of another kind names no user: the same 404 and message as an unknown user id.
    const unknown = await t.api('GET', '/v1/users/usr_nope');
    for (const path of ['/v1/users/ses_nope', '/v1/users/nope', '/v1/users/ses_nope/sessions']) {
      const wrongKind = await t.api('GET', path);
      expect(wrongKind.status, path).toBe(404);
      expect(wrongKind.body.message, path).toBe(unknown.body.message);
    }
    const bad = [
      { username: '' },
      { username: 'has space', password: 'password-1' },
      { username: 'x', unknown_field: true },
      { username: 'shortpw', password: 'short' },
      // Eight UTF-16 code units, four characters: NIST counts code points.
      { username: 'emojipw', password: '😀🔑🦊🎲' },
      { username: 'badrole', roles: ['has space'] },
    ];
    for (const body of bad) {
      const response = await t.api('POST', '/v1/users', body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.body.code).toBe('ERR_VALIDATION');
    }
    const malformed = await fetch(`${t.url}/v1/users`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.adminKey}`, 'content-type': 'application/json' },
      body: '{"username":',
    });
    expect(malformed.status).toBe(400);
    expect((await t.api('GET', '/v1/users?username=x')).body.users).toHaveLength(0);
    expect((await t.api('GET', '/v1/users?username=emojipw')).body.users).toHaveLength(0);
  });

  it('counts password length in characters (code points), on create and on change', async () => {
    const created = await t.api('POST', '/v1/users', { username: 'emoji-ok', password: '😀🔑🦊🎲😀🔑🦊🎲' });
    expect(created.status).toBe(201);
    expect((await t.login('emoji-ok', '😀🔑🦊🎲😀🔑🦊🎲')).status).toBe(200);
    const tooShort = await t.api('PATCH', `/v1/users/${created.body.id as string}`, { password: '😀🔑🦊🎲' });
    expect(tooShort.status).toBe(400);
    expect(tooShort.body.message).toContain('at least 8 characters');
    // Nothing changed: the old password still logs in.
    expect((await t.login('emoji-ok', '😀🔑🦊🎲😀🔑🦊🎲')).status).toBe(200);
  });

  it('requires an admin credential', async () => {
    expect((await t.api('GET', '/v1/users', undefined, null)).status).toBe(401);
    expect((await t.api('GET', '/v1/users', undefined, 'wrong-key')).status).toBe(401);
    const feedKey = await t.apiKey(['feed:read']);
    const forbidden = await t.api(
      'POST',
      '/v1/users',
      { username: 'mallory', password: 'password-1' },
      feedKey,
    );
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.code).toBe('ERR_FORBIDDEN');
  });

  it('enrols TOTP (pending until confirmed) and reports it', async () => {
    const user = await t.createUser();
    const enrolled = await t.api('POST', `/v1/users/${user.id}/totp`);
    expect(enrolled.status).toBe(201);
    expect(enrolled.body.otpauth_uri).toMatch(/^otpauth:\/\/totp\//);
    expect(enrolled.body.secret).toMatch(/^[A-Z2-7]+=*$/);
    expect(enrolled.headers.get('cache-control')).toBe('no-store');
    expect((await t.api('GET', `/v1/users/${user.id}`)).body).toMatchObject({
      mfa_enrolled: false,
      mfa_pending: true,
    });
    const confirmed = await t.api('POST', `/v1/users/${user.id}/totp/confirm`, {
      code: totpCode(enrolled.body.secret),
    });
    expect(confirmed.status).toBe(200);
    expect((await t.api('GET', `/v1/users/${user.id}`)).body).toMatchObject({
      mfa_enrolled: true,
      mfa_pending: false,
    });
  });
});
