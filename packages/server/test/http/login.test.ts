import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeJwtPart, startTestServer, totpCode, type TestServer } from '../support/test-server.js';

describe('login', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(() => t.close());

  it('logs in with a password and records who, from where', async () => {
    const user = await t.createUser();
    const response = await fetch(`${t.url}/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'LoginTest/1.0' },
      body: JSON.stringify({ username: user.username, password: user.password }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const body = (await response.json()) as any;
    const sessions = (await t.api('GET', `/v1/users/${user.id}/sessions`)).body.sessions;
    expect(sessions).toEqual([
      expect.objectContaining({
        id: body.session_id,
        status: 'active',
        ip: '127.0.0.1',
        user_agent: 'LoginTest/1.0',
        client_id: 'cutoff',
        amr: ['pwd'],
      }),
    ]);
    const audit = await t.api('GET', `/v1/audit?target=${user.id}&action=login.succeeded`);
    expect(audit.body.events).toHaveLength(1);
  });

  it('answers 401 invalid_credentials alike for a wrong password, an unknown user and an inactive user', async () => {
    const user = await t.createUser();
    const wrong = await t.login(user.username, 'not-the-password');
    expect(wrong.status).toBe(401);
    expect(wrong.body).toMatchObject({ error: 'invalid_credentials' });
    const unknown = await t.login('nobody-here', 'whatever-password');
    expect(unknown.status).toBe(401);
    expect(unknown.body.error).toBe('invalid_credentials');
    await t.api('PATCH', `/v1/users/${user.id}`, { active: false });
    const inactive = await t.login(user.username, user.password);
    expect(inactive.status).toBe(401);
    expect(inactive.body.error).toBe('invalid_credentials');
    const failures = await t.api('GET', `/v1/audit?action=login.failed&target=user:${user.id}`);
    expect(failures.body.events.map((event: any) => event.details.failure)).toEqual([
      'bad_password',
      'inactive',
    ]);
  });

  it('requires TOTP once enrolled: missing -> mfa_required, wrong -> invalid_credentials, right -> mfa session', async () => {
    const user = await t.createUser();
    const secret = await t.enrolTotp(user.id);
    const missing = await t.login(user.username, user.password);
    expect(missing.status).toBe(401);
    expect(missing.body.error).toBe('mfa_required');
    const wrongCode = totpCode(secret) === '000000' ? '111111' : '000000';
    const wrong = await t.login(user.username, user.password, { totp: wrongCode });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error).toBe('invalid_credentials');
    const ok = await t.login(user.username, user.password, { totp: totpCode(secret) });
    expect(ok.status).toBe(200);
    expect(decodeJwtPart(ok.body.access_token, 1).amr).toEqual(['pwd', 'otp', 'mfa']);
    // A wrong password with a right code is still wrong.
    const badPassword = await t.login(user.username, 'wrong-password', { totp: totpCode(secret) });
    expect(badPassword.body.error).toBe('invalid_credentials');
  });

  it('accepts a TOTP code once (RFC 6238 section 5.2), also against concurrent logins', async () => {
    const user = await t.createUser();
    const enrol = async (): Promise<string> => await t.enrolTotp(user.id);
    let secret = await enrol();
    const now = Date.now();
    const code = totpCode(secret, now);
    expect((await t.login(user.username, user.password, { totp: code })).status).toBe(200);
    // The same code again, seen over the shoulder or phished: refused, and recorded as a replay.
    const replay = await t.login(user.username, user.password, { totp: code });
    expect(replay.status).toBe(401);
    expect(replay.body.error).toBe('invalid_credentials');
    const failures = await t.api('GET', `/v1/audit?action=login.mfa_failed&target=user:${user.id}`);
    expect(failures.body.events.map((event: any) => event.details.failure)).toContain('totp_replayed');
    // An older code, still inside the drift window, is no better once a later one was used.
    const next = totpCode(secret, now + 30_000);
    const previous = totpCode(secret, now - 30_000);
    // Two logins racing with the next step's code: exactly one gets in.
    const raced = await Promise.all([
      t.login(user.username, user.password, { totp: next }),
      t.login(user.username, user.password, { totp: next }),
    ]);
    expect(raced.map((response) => response.status).sort()).toEqual([200, 401]);
    if (previous !== next) {
      expect((await t.login(user.username, user.password, { totp: previous })).status).toBe(401);
    }
    // A new secret starts afresh: its current code works though its step was used with the old one.
    secret = await enrol();
    const fresh = await t.login(user.username, user.password, { totp: totpCode(secret) });
    expect(fresh.status).toBe(200);
  });

  it('rejects an unknown client_id and malformed bodies with 400', async () => {
    const user = await t.createUser();
    expect((await t.login(user.username, user.password, { client_id: 'nope' })).status).toBe(400);
    expect((await t.api('POST', '/v1/auth/login', { username: user.username }, null)).status).toBe(400);
    expect((await t.api('POST', '/v1/auth/login', { username: 1, password: 2 }, null)).status).toBe(400);
  });

  it('logout ends the session: the refresh token and the access token stop working', async () => {
    const user = await t.createUser();
    const login = await t.login(user.username, user.password);
    const logout = await fetch(`${t.url}/v1/auth/logout`, {
      method: 'POST',
      headers: { authorization: `Bearer ${login.body.access_token}` },
    });
    expect(logout.status).toBe(200);
    expect(await logout.json()).toEqual({ session_id: login.body.session_id, status: 'revoked' });
    const refresh = await t.form('/oauth/token', {
      grant_type: 'refresh_token',
      refresh_token: login.body.refresh_token,
      client_id: 'cutoff',
    });
    expect(refresh.status).toBe(400);
    expect(refresh.body.error).toBe('invalid_grant');
    const key = await t.apiKey(['introspect']);
    const introspection = await t.form(
      '/oauth/introspect',
      { token: login.body.access_token },
      { authorization: `Bearer ${key}` },
    );
    expect(introspection.body).toEqual({ active: false });
    const again = await fetch(`${t.url}/v1/auth/logout`, {
      method: 'POST',
      headers: { authorization: `Bearer ${login.body.access_token}` },
    });
    expect(again.status).toBe(401);
    expect((await fetch(`${t.url}/v1/auth/logout`, { method: 'POST' })).status).toBe(401);
  });
});

describe('login rate limiting', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ config: { loginMaxFailures: 3, loginWindowSeconds: 60 } });
  });
  afterAll(() => t.close());

  it('locks a username+ip out after repeated failures with 429 and Retry-After, even for the right password', async () => {
    const user = await t.createUser();
    for (let attempt = 0; attempt < 3; attempt += 1) {
      expect((await t.login(user.username, 'wrong-password')).status).toBe(401);
    }
    const limited = await t.login(user.username, user.password);
    expect(limited.status).toBe(429);
    expect(limited.body).toMatchObject({ error: 'rate_limited', code: 'ERR_RATE_LIMITED' });
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    // Another account from the same address is not locked by this one's failures.
    const other = await t.createUser();
    expect((await t.login(other.username, other.password)).status).toBe(200);
  });
});
