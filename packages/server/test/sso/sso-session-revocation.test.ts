import { afterEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { FormBrowser, continueOf, csrfOf } from './browser.js';

const REDIRECT_URI = 'http://127.0.0.1:9/callback';

describe('the SSO browser session is a Cutoff session', () => {
  let t: TestServer | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  const setUp = async (config: Record<string, unknown> = {}) => {
    t = await startTestServer({ config });
    const created = await t.api('POST', '/v1/clients', {
      name: 'Wiki',
      type: 'confidential',
      redirect_uris: [REDIRECT_URI],
    });
    const authorize = `/oauth/authorize?${new URLSearchParams({
      client_id: created.body.client_id,
      redirect_uri: REDIRECT_URI,
      response_type: 'code',
      scope: 'openid',
    }).toString()}`;
    return { t, authorize };
  };

  it.each([
    ['session', (_user: { id: string }, browserSession: string) => browserSession],
    ['user', (user: { id: string }) => user.id],
    ['group', () => 'contractors'],
    ['role', () => 'editor'],
    ['client', () => 'cutoff'],
    ['all', () => '*'],
  ])('a %s revocation ends it: the next authorization asks for the password', async (kind, keyOf) => {
    const { t, authorize } = await setUp();
    const user = await t.createUser({ groups: ['contractors'], roles: ['editor'] });
    const browser = new FormBrowser(t.url);
    await browser.get(authorize);
    const page = await (await browser.get('/login')).text();
    await continueOf(
      await browser.post('/login', { csrf: csrfOf(page), username: user.username, password: user.password }),
    );
    expect((await browser.get(authorize)).headers.get('location')).toMatch(
      /^http:\/\/127\.0\.0\.1:9\/callback\?code=/,
    );

    // Listed with the user's sessions, as the first-party client's.
    const listed = (await t.api('GET', `/v1/users/${user.id}/sessions`)).body;
    const browserSession = (listed.sessions ?? listed).find((s: any) => s.client_id === 'cutoff');
    expect(browserSession).toBeDefined();

    const revoked = await t.api('POST', '/v1/revocations', {
      target: { type: kind, id: keyOf(user, browserSession.id as string) },
      reason: 'manual',
    });
    expect(revoked.status).toBe(201);
    expect((await browser.get(authorize)).headers.get('location')).toBe('/login');
  });

  it('the hosted login has the JSON login rate limit: past it, 429 with an announced error, even for the right password', async () => {
    const { t, authorize } = await setUp({ loginMaxFailures: 2 });
    const user = await t.createUser();
    const browser = new FormBrowser(t.url);
    await browser.get(authorize);
    let page = await (await browser.get('/login')).text();
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const wrong = await browser.post('/login', {
        csrf: csrfOf(page),
        username: user.username,
        password: 'wrong',
      });
      expect(wrong.status).toBe(401);
      page = await wrong.text();
    }
    const limited = await browser.post('/login', {
      csrf: csrfOf(page),
      username: user.username,
      password: user.password,
    });
    expect(limited.status).toBe(429);
    expect(await limited.text()).toContain('role="alert">Too many failed attempts');
    expect(browser.cookies.has('cutoff_sso')).toBe(false);
    // The same counters as the JSON login: it is blocked too.
    expect((await t.login(user.username, user.password)).status).toBe(429);
    // Counted in the JSON login's metric, by the same result labels.
    const metrics = await (await fetch(`${t.url}/metrics`)).text();
    expect(metrics).toMatch(/cutoff_logins_total\{result="invalid_credentials"\} 2/);
    expect(metrics).toMatch(/cutoff_logins_total\{result="rate_limited"\} 2/);
  });
});
