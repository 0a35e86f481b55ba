import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startTestServer,
  totpCode,
  wrongTotpCode,
  type TestServer,
  type TestUser,
} from '../support/test-server.js';
import { FormBrowser, continueOf, csrfOf, locationOf } from './browser.js';

const REDIRECT_URI = 'http://127.0.0.1:9/callback';
const LOGGED_OUT_URI = 'http://127.0.0.1:9/logged-out';
const SCOPE = 'openid email profile groups';

interface Rp {
  readonly clientId: string;
  readonly config: client.Configuration;
}

describe('single sign-on: Cutoff as an OpenID Provider (openid-client as the relying party)', () => {
  let t: TestServer;
  let rp: Rp;
  let publicRp: Rp;

  const registerRp = async (type: 'confidential' | 'public', name: string): Promise<Rp> => {
    const created = await t.api('POST', '/v1/clients', {
      name,
      type,
      redirect_uris: [REDIRECT_URI],
      post_logout_redirect_uris: [LOGGED_OUT_URI],
    });
    expect(created.status).toBe(201);
    const secret = created.body.client_secret as string | undefined;
    const config = await client.discovery(
      new URL(t.url),
      created.body.client_id,
      secret,
      secret === undefined ? client.None() : client.ClientSecretBasic(secret),
      { execute: [client.allowInsecureRequests] },
    );
    return { clientId: created.body.client_id, config };
  };

  beforeAll(async () => {
    t = await startTestServer();
    rp = await registerRp('confidential', 'Grafana');
    publicRp = await registerRp('public', 'Dashboard SPA');
  });
  afterAll(() => t.close());

  /** An authorization request as the relying party builds it, with fresh PKCE, state and nonce. */
  const authorizationRequest = async (target: Rp, extra: Record<string, string> = {}) => {
    const verifier = client.randomPKCECodeVerifier();
    const nonce = client.randomNonce();
    const state = client.randomState();
    const url = client.buildAuthorizationUrl(target.config, {
      redirect_uri: REDIRECT_URI,
      scope: SCOPE,
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      nonce,
      state,
      ...extra,
    });
    return { url, verifier, nonce, state };
  };

  /** Follows /oauth/authorize through the hosted password page; returns the callback URL. */
  const signIn = async (browser: FormBrowser, url: URL, user: TestUser): Promise<URL> => {
    const authorize = await browser.get(url);
    expect(authorize.status).toBe(303);
    expect(authorize.headers.get('location')).toBe('/login');
    const page = await browser.get('/login');
    expect(page.status).toBe(200);
    const posted = await browser.post('/login', {
      csrf: csrfOf(await page.text()),
      username: user.username,
      password: user.password,
    });
    return continueOf(posted);
  };

  const redeem = (target: Rp, callback: URL, request: { verifier: string; nonce: string; state: string }) =>
    client.authorizationCodeGrant(target.config, callback, {
      pkceCodeVerifier: request.verifier,
      expectedNonce: request.nonce,
      expectedState: request.state,
      idTokenExpected: true,
    });

  it('publishes OpenID Connect discovery consistent with the RFC 8414 document', async () => {
    const oidc = (await t.api('GET', '/.well-known/openid-configuration', undefined, null)).body;
    const oauth = (await t.api('GET', '/.well-known/oauth-authorization-server', undefined, null)).body;
    for (const [name, value] of Object.entries(oauth)) expect(oidc[name], name).toEqual(value);
    expect(oidc).toMatchObject({
      issuer: t.url,
      authorization_endpoint: `${t.url}/oauth/authorize`,
      userinfo_endpoint: `${t.url}/oauth/userinfo`,
      end_session_endpoint: `${t.url}/oauth/end-session`,
      response_types_supported: ['code'],
      code_challenge_methods_supported: ['S256'],
      authorization_response_iss_parameter_supported: true,
      subject_types_supported: ['public'],
    });
    expect(oidc.id_token_signing_alg_values_supported).toContain('RS256');
    expect(rp.config.serverMetadata().issuer).toBe(t.url);
  });

  it('signs in with code + PKCE, validates the ID token, serves userinfo, refreshes, and SSOs into a second app', async () => {
    const user = await t.createUser({ groups: ['eng'] });
    await t.api('PATCH', `/v1/users/${user.id}`, { email: `${user.username}@example.com` });
    const browser = new FormBrowser(t.url);
    const request = await authorizationRequest(rp);
    const callback = await signIn(browser, request.url, user);
    expect(`${callback.origin}${callback.pathname}`).toBe(REDIRECT_URI);
    // RFC 9207: the response names its issuer (openid-client checks it too).
    expect(callback.searchParams.get('iss')).toBe(t.url);
    expect(callback.searchParams.get('state')).toBe(request.state);
    expect(browser.cookies.has('cutoff_sso')).toBe(true);
    expect(browser.cookies.has('cutoff_login')).toBe(false);

    const tokens = await redeem(rp, callback, request);
    const claims = tokens.claims()!;
    expect(claims).toMatchObject({
      iss: t.url,
      sub: user.id,
      aud: rp.clientId,
      nonce: request.nonce,
      amr: ['pwd'],
    });
    expect(claims.sid).toMatch(/^ses_/);
    expect(Math.abs((claims.auth_time as number) - Date.now() / 1000)).toBeLessThan(10);
    expect(tokens.refresh_token).toMatch(/^cutoff_rt_/);
    // The access token keeps its RFC 9068 shape, for this relying party's session.
    const access = (
      await t.form(
        '/oauth/introspect',
        { token: tokens.access_token },
        {
          authorization: `Bearer ${t.adminKey}`,
        },
      )
    ).body;
    expect(access).toMatchObject({
      active: true,
      client_id: rp.clientId,
      sid: claims.sid,
      sub: user.id,
      scope: SCOPE,
    });

    const info = await client.fetchUserInfo(rp.config, tokens.access_token, user.id);
    expect(info).toMatchObject({
      sub: user.id,
      email: `${user.username}@example.com`,
      preferred_username: user.username,
      groups: ['eng'],
    });

    const refreshed = await client.refreshTokenGrant(rp.config, tokens.refresh_token!);
    expect(refreshed.access_token).not.toBe(tokens.access_token);
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
    // The refreshed access token keeps the granted scope, so userinfo still answers.
    expect(refreshed.scope).toBeUndefined();
    await expect(client.fetchUserInfo(rp.config, refreshed.access_token, user.id)).resolves.toMatchObject({
      groups: ['eng'],
    });

    // Single sign-on: the second app gets a code without a password page.
    const second = await authorizationRequest(publicRp);
    const silent = await browser.get(second.url);
    expect(silent.status).toBe(303);
    const secondCallback = locationOf(silent, t.url);
    expect(secondCallback.searchParams.get('code')).toMatch(/^cutoff_ac_/);
    const secondTokens = await redeem(publicRp, secondCallback, second);
    expect(secondTokens.claims()).toMatchObject({ sub: user.id, aud: publicRp.clientId });

    // Both apps' sessions and the browser session are Cutoff sessions, listed for the user.
    const sessions = (await t.api('GET', `/v1/users/${user.id}/sessions`)).body;
    const clients = (sessions.sessions ?? sessions).map((s: any) => s.client_id).sort();
    expect(clients).toEqual(['cutoff', publicRp.clientId, rp.clientId].sort());
  });

  it('RP-initiated logout ends the app session and the SSO session through the revocation feed', async () => {
    const user = await t.createUser();
    const browser = new FormBrowser(t.url);
    const request = await authorizationRequest(rp);
    const tokens = await redeem(rp, await signIn(browser, request.url, user), request);
    const logoutState = client.randomState();
    const endSession = client.buildEndSessionUrl(rp.config, {
      id_token_hint: tokens.id_token!,
      post_logout_redirect_uri: LOGGED_OUT_URI,
      state: logoutState,
    });
    const head = (await t.api('GET', '/v1/revocations?after=0')).body.head as number;
    const loggedOut = await browser.get(endSession);
    expect(loggedOut.status).toBe(303);
    expect(locationOf(loggedOut, t.url).toString()).toBe(`${LOGGED_OUT_URI}?state=${logoutState}`);

    const entries = (await t.api('GET', `/v1/revocations?after=${head}`)).body.entries as any[];
    expect(entries.map((e) => `${e.kind}:${e.key}`)).toContain(`session:${tokens.claims()!.sid as string}`);
    expect(entries.filter((e) => e.kind === 'session')).toHaveLength(2);
    await expect(client.fetchUserInfo(rp.config, tokens.access_token, user.id)).rejects.toThrow();
    await expect(client.refreshTokenGrant(rp.config, tokens.refresh_token!)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
    // The browser must type the password again.
    const again = await browser.get((await authorizationRequest(rp)).url);
    expect(again.headers.get('location')).toBe('/login');
  });

  it('refuses a post_logout_redirect_uri the client did not register, on a page', async () => {
    const user = await t.createUser();
    const browser = new FormBrowser(t.url);
    const request = await authorizationRequest(rp);
    const tokens = await redeem(rp, await signIn(browser, request.url, user), request);
    const response = await browser.get(
      client.buildEndSessionUrl(rp.config, {
        id_token_hint: tokens.id_token!,
        post_logout_redirect_uri: 'https://evil.example/',
      }),
    );
    expect(response.status).toBe(400);
    expect(response.headers.get('location')).toBeNull();
    expect(await response.text()).toContain('role="alert"');
  });

  it('a revocation of the user ends the SSO browser session: the next authorization asks for the password', async () => {
    const user = await t.createUser();
    const browser = new FormBrowser(t.url);
    const first = await authorizationRequest(rp);
    await signIn(browser, first.url, user);
    const sso = await browser.get((await authorizationRequest(rp)).url);
    expect(locationOf(sso, t.url).searchParams.get('code')).not.toBeNull();

    const revoked = await t.api('POST', '/v1/revocations', {
      target: { type: 'user', id: user.id },
      reason: 'offboarding',
    });
    expect(revoked.status).toBe(201);
    const after = await browser.get((await authorizationRequest(rp)).url);
    expect(after.status).toBe(303);
    expect(after.headers.get('location')).toBe('/login');
  });

  it('a code issued before the user was revoked cannot be redeemed', async () => {
    const user = await t.createUser();
    const browser = new FormBrowser(t.url);
    const request = await authorizationRequest(rp);
    const callback = await signIn(browser, request.url, user);
    await t.api('POST', '/v1/revocations', { target: { type: 'user', id: user.id }, reason: 'offboarding' });
    await expect(redeem(rp, callback, request)).rejects.toMatchObject({
      error: 'invalid_grant',
      error_description: 'The sign-in has ended.',
    });
  });

  it('takes the TOTP step for enrolled users, announcing a wrong code and a wrong password', async () => {
    const user = await t.createUser();
    const secret = await t.enrolTotp(user.id);
    const browser = new FormBrowser(t.url);
    const request = await authorizationRequest(rp);
    await browser.get(request.url);
    let page = await (await browser.get('/login')).text();

    const wrong = await browser.post('/login', {
      csrf: csrfOf(page),
      username: user.username,
      password: 'nope',
    });
    expect(wrong.status).toBe(401);
    page = await wrong.text();
    expect(page).toMatch(/role="alert">Wrong username or password/);
    expect(page).toContain(`value="${user.username}"`);

    const password = await browser.post('/login', {
      csrf: csrfOf(page),
      username: user.username,
      password: user.password,
    });
    expect(password.status).toBe(200);
    page = await password.text();
    expect(page).toContain('<label for="code">Authentication code</label>');

    const badCode = await browser.post('/login/totp', { csrf: csrfOf(page), code: wrongTotpCode(secret) });
    expect(badCode.status).toBe(401);
    page = await badCode.text();
    expect(page).toContain('role="alert"');

    const good = await browser.post('/login/totp', { csrf: csrfOf(page), code: totpCode(secret) });
    const tokens = await redeem(rp, await continueOf(good), request);
    expect(tokens.claims()!.amr).toEqual(['pwd', 'otp', 'mfa']);

    const failed = await t.api('GET', `/v1/audit?action=login.failed&target=user:${user.id}`);
    expect(failed.body.events).toHaveLength(1);
    const mfaFailed = await t.api('GET', `/v1/audit?action=login.mfa_failed&target=user:${user.id}`);
    expect(mfaFailed.body.events.map((e: any) => e.details.failure).sort()).toEqual([
      'totp_invalid',
      'totp_missing',
    ]);
  });

  it('prompt=none answers login_required without a session; prompt=login asks for the password despite one', async () => {
    const browser = new FormBrowser(t.url);
    const none = await authorizationRequest(rp, { prompt: 'none' });
    const silent = locationOf(await browser.get(none.url), t.url);
    expect(silent.searchParams.get('error')).toBe('login_required');
    expect(silent.searchParams.get('state')).toBe(none.state);
    expect(silent.searchParams.get('iss')).toBe(t.url);

    const user = await t.createUser();
    await signIn(browser, (await authorizationRequest(rp)).url, user);
    const forced = await authorizationRequest(rp, { prompt: 'login' });
    expect((await browser.get(forced.url)).headers.get('location')).toBe('/login');
  });
});
