import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, type TestUser } from '../support/test-server.js';
import { FormBrowser, continueOf, csrfOf } from './browser.js';

const REDIRECT_URI = 'http://127.0.0.1:9/callback';

describe('SSO lifetimes (a stepping clock)', () => {
  let t: TestServer;
  let offsetMs = 0;
  let client: { id: string; secret: string };
  let user: TestUser;
  const authorize = () =>
    `/oauth/authorize?${new URLSearchParams({
      client_id: client.id,
      redirect_uri: REDIRECT_URI,
      response_type: 'code',
      scope: 'openid',
    }).toString()}`;

  beforeAll(async () => {
    t = await startTestServer({ clock: { now: () => new Date(Date.now() + offsetMs) } });
    const created = await t.api('POST', '/v1/clients', {
      name: 'Wiki',
      type: 'confidential',
      redirect_uris: [REDIRECT_URI],
    });
    client = { id: created.body.client_id, secret: created.body.client_secret };
    user = await t.createUser();
  });
  afterAll(() => t.close());

  const redeem = (code: string) =>
    t.form(
      '/oauth/token',
      { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI },
      { authorization: `Basic ${Buffer.from(`${client.id}:${client.secret}`).toString('base64')}` },
    );

  it('an authorization code works for 60 seconds and not at the 60th', async () => {
    offsetMs = 0;
    const browser = new FormBrowser(t.url);
    await browser.get(authorize());
    const page = await (await browser.get('/login')).text();
    const first = await continueOf(
      await browser.post('/login', { csrf: csrfOf(page), username: user.username, password: user.password }),
    );
    const second = new URL((await browser.get(authorize())).headers.get('location')!);
    offsetMs = 59_000;
    expect((await redeem(first.searchParams.get('code')!)).status).toBe(200);
    offsetMs = 60_000;
    expect((await redeem(second.searchParams.get('code')!)).body).toEqual({
      error: 'invalid_grant',
      error_description: 'The code has expired.',
    });
  });

  it('a login page left open for 10 minutes has to start again from the app', async () => {
    offsetMs = 0;
    const browser = new FormBrowser(t.url);
    await browser.get(authorize());
    const page = await (await browser.get('/login')).text();
    offsetMs = 600_000;
    const late = await browser.post('/login', {
      csrf: csrfOf(page),
      username: user.username,
      password: user.password,
    });
    expect(late.status).toBe(400);
    expect(await late.text()).toContain('Sign-in expired');
    expect(browser.cookies.has('cutoff_sso')).toBe(false);
  });

  it('tokens refreshed later keep the time the user authenticated as auth_time', async () => {
    offsetMs = 0;
    const signedInAt = Math.floor(Date.now() / 1000);
    const browser = new FormBrowser(t.url);
    await browser.get(authorize());
    const page = await (await browser.get('/login')).text();
    const callback = await continueOf(
      await browser.post('/login', { csrf: csrfOf(page), username: user.username, password: user.password }),
    );
    offsetMs = 30_000;
    const tokens = await redeem(callback.searchParams.get('code')!);
    const idToken = JSON.parse(Buffer.from(tokens.body.id_token.split('.')[1], 'base64url').toString());
    offsetMs = 120_000;
    const refreshed = await t.form(
      '/oauth/token',
      { grant_type: 'refresh_token', refresh_token: tokens.body.refresh_token },
      { authorization: `Basic ${Buffer.from(`${client.id}:${client.secret}`).toString('base64')}` },
    );
    const introspected = await t.form(
      '/oauth/introspect',
      { token: refreshed.body.access_token },
      { authorization: `Bearer ${t.adminKey}` },
    );
    expect(Math.abs(idToken.auth_time - signedInAt)).toBeLessThanOrEqual(1);
    expect(introspected.body).toMatchObject({ active: true, auth_time: idToken.auth_time, scope: 'openid' });
    expect(introspected.body.iat - idToken.auth_time).toBeGreaterThanOrEqual(119);
  });
});
