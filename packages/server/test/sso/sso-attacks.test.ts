import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, type TestUser } from '../support/test-server.js';
import { FormBrowser, continueOf, csrfOf, locationOf } from './browser.js';

/** Negative tests from the OAuth 2.0 Security BCP (RFC 9700) and OpenID Connect Core. */
const REDIRECT_URI = 'http://127.0.0.1:9/callback';
const PAGE_CSP =
  "default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

const pkce = () => {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
};

interface Registered {
  readonly id: string;
  readonly secret: string | undefined;
}

describe('single sign-on under attack (RFC 9700)', () => {
  let t: TestServer;
  let web: Registered;
  let other: Registered;
  let spa: Registered;
  let user: TestUser;

  const register = async (type: 'public' | 'confidential'): Promise<Registered> => {
    const created = await t.api('POST', '/v1/clients', {
      name: `rp-${type}`,
      type,
      redirect_uris: [REDIRECT_URI],
    });
    return { id: created.body.client_id, secret: created.body.client_secret };
  };

  beforeAll(async () => {
    t = await startTestServer();
    web = await register('confidential');
    other = await register('confidential');
    spa = await register('public');
    user = await t.createUser();
  });
  afterAll(() => t.close());

  const authorizeUrl = (client: Registered, params: Record<string, string> = {}): string =>
    `/oauth/authorize?${new URLSearchParams({
      client_id: client.id,
      redirect_uri: REDIRECT_URI,
      response_type: 'code',
      scope: 'openid',
      state: 'st-1',
      ...params,
    }).toString()}`;

  /** Signs in through the hosted login; returns the browser (now holding an SSO cookie) and the code. */
  const codeFor = async (
    client: Registered,
    params: Record<string, string> = {},
    browser = new FormBrowser(t.url),
  ) => {
    const first = await browser.get(authorizeUrl(client, params));
    let callback: URL;
    if (first.headers.get('location') === '/login') {
      const page = await (await browser.get('/login')).text();
      const posted = await browser.post('/login', {
        csrf: csrfOf(page),
        username: user.username,
        password: user.password,
      });
      callback = await continueOf(posted);
    } else {
      callback = locationOf(first, t.url);
    }
    const code = callback.searchParams.get('code');
    if (code === null) throw new Error(`no code: ${callback.toString()}`);
    return { browser, code };
  };

  const basic = (client: Registered): Record<string, string> => ({
    authorization: `Basic ${Buffer.from(`${client.id}:${client.secret ?? ''}`).toString('base64')}`,
  });

  const redeem = (client: Registered, fields: Record<string, string>) =>
    t.form(
      '/oauth/token',
      {
        grant_type: 'authorization_code',
        redirect_uri: REDIRECT_URI,
        ...(client.secret === undefined && { client_id: client.id }),
        ...fields,
      },
      client.secret === undefined ? {} : basic(client),
    );

  describe('open redirects (RFC 9700 4.11)', () => {
    it.each([
      ['an unregistered redirect_uri', { redirect_uri: 'https://evil.example/cb' }],
      ['a longer path than the registered one', { redirect_uri: `${REDIRECT_URI}/../evil` }],
      ['an added query', { redirect_uri: `${REDIRECT_URI}?next=https://evil.example` }],
      ['an unknown client', { client_id: 'cli_nobody' }],
      ['no redirect_uri', { redirect_uri: '' }],
    ])('shows a page for %s and never redirects, even with other errors present', async (_what, params) => {
      const response = await fetch(`${t.url}${authorizeUrl(web, { response_type: 'token', ...params })}`, {
        redirect: 'manual',
      });
      expect(response.status).toBe(400);
      expect(response.headers.get('location')).toBeNull();
      expect(response.headers.get('content-type')).toContain('text/html');
      expect(await response.text()).toContain('role="alert"');
    });

    it('sends other errors to the registered redirect URI with state and iss (RFC 9207)', async () => {
      const response = await fetch(`${t.url}${authorizeUrl(web, { response_type: 'token' })}`, {
        redirect: 'manual',
      });
      const location = locationOf(response, t.url);
      expect(`${location.origin}${location.pathname}`).toBe(REDIRECT_URI);
      expect(Object.fromEntries(location.searchParams)).toMatchObject({
        error: 'unsupported_response_type',
        state: 'st-1',
        iss: t.url,
      });
    });
  });

  describe('PKCE downgrade (RFC 9700 2.1.1, 4.8)', () => {
    it('refuses a public client that sends no code_challenge', async () => {
      const response = await fetch(`${t.url}${authorizeUrl(spa)}`, { redirect: 'manual' });
      const location = locationOf(response, t.url);
      expect(location.searchParams.get('error')).toBe('invalid_request');
      expect(location.searchParams.get('error_description')).toContain('PKCE is required');
      expect(location.searchParams.get('iss')).toBe(t.url);
    });

    it('refuses the plain method', async () => {
      const { challenge } = pkce();
      const response = await fetch(
        `${t.url}${authorizeUrl(spa, { code_challenge: challenge, code_challenge_method: 'plain' })}`,
        { redirect: 'manual' },
      );
      expect(locationOf(response, t.url).searchParams.get('error')).toBe('invalid_request');
    });

    it('refuses a PKCE code redeemed without its verifier or with another one', async () => {
      const { challenge, verifier } = pkce();
      const { code } = await codeFor(spa, { code_challenge: challenge, code_challenge_method: 'S256' });
      const without = await redeem(spa, { code });
      expect(without.status).toBe(400);
      expect(without.body).toMatchObject({
        error: 'invalid_grant',
        error_description: 'code_verifier is required.',
      });
      const wrong = await redeem(spa, { code, code_verifier: pkce().verifier });
      expect(wrong.body.error).toBe('invalid_grant');
      // Neither failure consumed the code: the rightful client still redeems it.
      const right = await redeem(spa, { code, code_verifier: verifier });
      expect(right.status).toBe(200);
      expect(right.body.id_token).toEqual(expect.any(String));
    });

    it('refuses a code issued without PKCE when redeemed with a code_verifier', async () => {
      const { code } = await codeFor(web);
      const response = await redeem(web, { code, code_verifier: pkce().verifier });
      expect(response.body).toMatchObject({
        error: 'invalid_grant',
        error_description: 'code_verifier sent for a code issued without PKCE.',
      });
    });
  });

  describe('code injection and replay (RFC 9700 4.5)', () => {
    it('refuses a code redeemed by another client or for another redirect URI', async () => {
      const { code } = await codeFor(web);
      const stolen = await redeem(other, { code });
      expect(stolen.body).toMatchObject({
        error: 'invalid_grant',
        error_description: 'The code was issued to another client.',
      });
      const elsewhere = await redeem(web, { code, redirect_uri: 'http://127.0.0.1:9/other' });
      expect(elsewhere.body.error).toBe('invalid_grant');
      const noClient = await t.form('/oauth/token', {
        grant_type: 'authorization_code',
        code,
        redirect_uri: REDIRECT_URI,
      });
      expect(noClient.status).toBe(401);
      expect(noClient.body.error).toBe('invalid_client');
    });

    it('a replayed code is refused and revokes what its first redemption issued', async () => {
      const { code } = await codeFor(web);
      const first = await redeem(web, { code });
      expect(first.status).toBe(200);
      const replay = await redeem(web, { code });
      expect(replay.status).toBe(400);
      expect(replay.body.error).toBe('invalid_grant');

      const introspected = await t.form(
        '/oauth/introspect',
        { token: first.body.access_token },
        { authorization: `Bearer ${t.adminKey}` },
      );
      expect(introspected.body).toEqual({ active: false });
      const refresh = await t.form(
        '/oauth/token',
        { grant_type: 'refresh_token', refresh_token: first.body.refresh_token },
        basic(web),
      );
      expect(refresh.body.error).toBe('invalid_grant');
      const userinfo = await fetch(`${t.url}/oauth/userinfo`, {
        headers: { authorization: `Bearer ${first.body.access_token}` },
      });
      expect(userinfo.status).toBe(401);
      const audit = await t.api('GET', `/v1/audit?action=authorization_code.reused`);
      expect(audit.body.events.at(-1)).toMatchObject({
        reason: 'security_incident',
        details: { user_id: user.id },
      });
    });

    it('answers an unknown code with invalid_grant', async () => {
      const response = await redeem(web, { code: 'cutoff_ac_nothing' });
      expect(response.body).toMatchObject({ error: 'invalid_grant' });
    });
  });

  describe('the login form', () => {
    const startLogin = async () => {
      const browser = new FormBrowser(t.url);
      await browser.get(authorizeUrl(web));
      const page = await browser.get('/login');
      return { browser, page, html: await page.text() };
    };

    it('refuses a post with a missing, wrong or foreign CSRF token with 403, before checking the password', async () => {
      const { browser, html } = await startLogin();
      const { html: foreignPage } = await startLogin();
      const before = (await t.api('GET', `/v1/audit?target=user:${user.id}`)).body.events.length;
      for (const csrf of [undefined, 'cutoff_csrf_wrong', csrfOf(foreignPage)]) {
        const response = await browser.post('/login', {
          ...(csrf !== undefined && { csrf }),
          username: user.username,
          password: user.password,
        });
        expect(response.status).toBe(403);
        expect(response.headers.get('location')).toBeNull();
      }
      expect(browser.cookies.has('cutoff_sso')).toBe(false);
      expect((await t.api('GET', `/v1/audit?target=user:${user.id}`)).body.events).toHaveLength(before);
      // The page's own token still works.
      const ok = await browser.post('/login', {
        csrf: csrfOf(html),
        username: user.username,
        password: user.password,
      });
      expect((await continueOf(ok)).searchParams.get('code')).toMatch(/^cutoff_ac_/);
    });

    it('refuses a post without the pre-login cookie (the token is bound to it)', async () => {
      const { html } = await startLogin();
      const response = await t.form('/login', {
        csrf: csrfOf(html),
        username: user.username,
        password: user.password,
      });
      expect(response.status).toBe(400);
      expect(String(response.body)).toContain('Sign-in expired');
    });

    it('cannot be framed and runs no inline script or style (clickjacking, XSS)', async () => {
      const { page, html } = await startLogin();
      expect(page.headers.get('content-security-policy')).toBe(PAGE_CSP);
      expect(page.headers.get('x-frame-options')).toBe('DENY');
      expect(page.headers.get('cache-control')).toBe('no-store');
      expect(html).not.toMatch(/<script|\sstyle=|\son[a-z]+=/i);
      expect(html).toContain('<label for="username">Username</label>');
      expect(html).toContain('<label for="password">Password</label>');
      const css = await fetch(`${t.url}/sso/style.css`);
      expect(css.headers.get('content-type')).toContain('text/css');
    });

    it('answers a form without its fields on the page, as a failed login', async () => {
      const { browser, html } = await startLogin();
      const response = await browser.post('/login', { csrf: csrfOf(html) });
      expect(response.status).toBe(401);
      expect(response.headers.get('content-type')).toContain('text/html');
      expect(await response.text()).toContain('role="alert">Wrong username or password.');
    });

    it('escapes what it echoes', async () => {
      const { browser, html } = await startLogin();
      const response = await browser.post('/login', {
        csrf: csrfOf(html),
        username: '"><script>alert(1)</script>',
        password: 'x',
      });
      const page = await response.text();
      expect(page).not.toContain('<script>');
      expect(page).toContain('&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;');
    });

    it('sets HttpOnly SameSite=Lax cookies that hold only an opaque secret', async () => {
      const browser = new FormBrowser(t.url);
      const authorize = await browser.get(authorizeUrl(web));
      expect(authorize.headers.getSetCookie()[0]).toMatch(
        /^cutoff_login=cutoff_la_[\w-]{43}; Path=\/; Max-Age=600; HttpOnly; SameSite=Lax$/,
      );
      const page = await (await browser.get('/login')).text();
      const posted = await browser.post('/login', {
        csrf: csrfOf(page),
        username: user.username,
        password: user.password,
      });
      const sso = posted.headers.getSetCookie().find((cookie) => cookie.startsWith('cutoff_sso='));
      expect(sso).toMatch(/^cutoff_sso=cutoff_bs_[\w-]{43}; Path=\/; Max-Age=\d+; HttpOnly; SameSite=Lax$/);
    });
    describe('logout CSRF', () => {
      it('without an id_token_hint, a sign-out link only asks; the same-origin confirmation signs out', async () => {
        const created = await t.api('POST', '/v1/clients', {
          name: 'rp-logout',
          type: 'confidential',
          redirect_uris: [REDIRECT_URI],
          post_logout_redirect_uris: ['http://127.0.0.1:9/bye'],
        });
        const rp = { id: created.body.client_id as string, secret: created.body.client_secret as string };
        const { browser } = await codeFor(rp);
        const link = `/oauth/end-session?${new URLSearchParams({
          client_id: rp.id,
          post_logout_redirect_uri: 'http://127.0.0.1:9/bye',
          state: 'bye-1',
        }).toString()}`;

        const asked = await browser.get(link);
        expect(asked.status).toBe(200);
        const page = await asked.text();
        expect(page).toContain('<button type="submit">Sign out</button>');
        // Nothing ended yet: the SSO session still signs in.
        expect((await browser.get(authorizeUrl(rp))).headers.get('location')).toMatch(/code=/);

        // A cross-site form post carries no SameSite=Lax cookie: it ends nothing.
        const crossSite = await t.form('/oauth/end-session', { client_id: rp.id, confirm: 'yes' });
        expect(crossSite.status).toBe(200);
        expect((await browser.get(authorizeUrl(rp))).headers.get('location')).toMatch(/code=/);

        const fields = Object.fromEntries(
          [...page.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)].map((m) => [
            m[1]!,
            m[2]!,
          ]),
        );
        expect(fields).toEqual({
          client_id: rp.id,
          post_logout_redirect_uri: 'http://127.0.0.1:9/bye',
          state: 'bye-1',
          confirm: 'yes',
        });
        const confirmed = await browser.post('/oauth/end-session', fields);
        expect((await continueOf(confirmed)).toString()).toBe('http://127.0.0.1:9/bye?state=bye-1');
        expect((await browser.get(authorizeUrl(rp))).headers.get('location')).toBe('/login');
      });
    });
  });
});
