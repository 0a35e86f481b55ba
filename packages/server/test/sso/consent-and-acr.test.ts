import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, totpCode, type TestServer, type TestUser } from '../support/test-server.js';
import { FormBrowser, continueOf, csrfOf, locationOf } from './browser.js';

const REDIRECT_URI = 'http://127.0.0.1:9/callback';
const ACR_PWD = 'urn:cutoff:acr:pwd';
const ACR_MFA = 'urn:cutoff:acr:mfa';

interface Rp {
  readonly clientId: string;
  readonly config: client.Configuration;
}

describe('consent for third-party clients, and acr', () => {
  let t: TestServer;
  let thirdParty: Rp;
  let firstParty: Rp;

  const register = async (name: string, consent: 'none' | 'required'): Promise<Rp> => {
    const created = await t.api('POST', '/v1/clients', {
      name,
      type: 'confidential',
      redirect_uris: [REDIRECT_URI],
      consent,
    });
    expect(created.status).toBe(201);
    const secret = created.body.client_secret as string;
    const config = await client.discovery(
      new URL(t.url),
      created.body.client_id,
      secret,
      client.ClientSecretBasic(secret),
      { execute: [client.allowInsecureRequests] },
    );
    return { clientId: created.body.client_id, config };
  };

  beforeAll(async () => {
    t = await startTestServer();
    thirdParty = await register('Acme Timesheets', 'required');
    firstParty = await register('Internal dashboard', 'none');
  });
  afterAll(() => t.close());

  const request = async (target: Rp, extra: Record<string, string> = {}) => {
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    const url = client.buildAuthorizationUrl(target.config, {
      redirect_uri: REDIRECT_URI,
      scope: 'openid email',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
      ...extra,
    });
    return { url, verifier, state, nonce };
  };

  const redeem = (target: Rp, callback: URL, flow: { verifier: string; state: string; nonce: string }) =>
    client.authorizationCodeGrant(target.config, callback, {
      pkceCodeVerifier: flow.verifier,
      expectedState: flow.state,
      expectedNonce: flow.nonce,
      idTokenExpected: true,
    });

  /** Through the password page; returns the response to the password post. */
  const passwordStep = async (browser: FormBrowser, url: URL, user: TestUser): Promise<Response> => {
    expect((await browser.get(url)).headers.get('location')).toBe('/login');
    const page = await (await browser.get('/login')).text();
    return browser.post('/login', { csrf: csrfOf(page), username: user.username, password: user.password });
  };

  /** The browser is sent to the hosted pages, which show the consent page. */
  const consentPageVia = async (browser: FormBrowser, url: URL): Promise<string> => {
    const authorize = await browser.get(url);
    expect(authorize.headers.get('location')).toBe('/login');
    const page = await browser.get('/login');
    expect(page.status).toBe(200);
    return page.text();
  };

  it('shows the consent page after login; Deny returns access_denied with state and iss', async () => {
    const user = await t.createUser();
    const browser = new FormBrowser(t.url);
    const flow = await request(thirdParty);
    const consent = await passwordStep(browser, flow.url, user);
    expect(consent.status).toBe(200);
    expect(consent.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(browser.cookies.has('cutoff_sso')).toBe(true);
    const page = await consent.text();
    expect(page).toContain('<strong>Acme Timesheets</strong> asks to use your Cutoff account');
    expect(page).toContain('<li>Your email address</li>');
    expect(page).toContain('value="allow"');
    expect(page).toContain('value="deny"');

    const denied = await continueOf(
      await browser.post('/login/consent', { csrf: csrfOf(page), decision: 'deny' }),
    );
    expect(`${denied.origin}${denied.pathname}`).toBe(REDIRECT_URI);
    expect(denied.searchParams.get('error')).toBe('access_denied');
    expect(denied.searchParams.get('state')).toBe(flow.state);
    expect(denied.searchParams.get('iss')).toBe(t.url);
    expect(denied.searchParams.get('code')).toBeNull();
    // Nothing remembered: the next request asks again.
    await consentPageVia(browser, (await request(thirdParty)).url);
  });

  it('refuses a consent form without this page’s CSRF token', async () => {
    const user = await t.createUser();
    const browser = new FormBrowser(t.url);
    await passwordStep(browser, (await request(thirdParty)).url, user);
    const forged = await browser.post('/login/consent', { csrf: 'cutoff_csrf_forged', decision: 'allow' });
    expect(forged.status).toBe(403);
  });

  it('remembers Allow per user, client and scopes; prompt=consent and new scopes ask again', async () => {
    const user = await t.createUser();
    const browser = new FormBrowser(t.url);
    const flow = await request(thirdParty);
    const page = await (await passwordStep(browser, flow.url, user)).text();
    const allowed = await continueOf(
      await browser.post('/login/consent', { csrf: csrfOf(page), decision: 'allow' }),
    );
    const tokens = await redeem(thirdParty, allowed, flow);
    expect(tokens.claims()).toMatchObject({ sub: user.id, aud: thirdParty.clientId, acr: ACR_PWD });

    const again = await request(thirdParty);
    const silent = locationOf(await browser.get(again.url), t.url);
    expect(silent.searchParams.get('code')).not.toBeNull();
    const none = locationOf(await browser.get((await request(thirdParty, { prompt: 'none' })).url), t.url);
    expect(none.searchParams.get('code')).not.toBeNull();

    await consentPageVia(browser, (await request(thirdParty, { prompt: 'consent' })).url);
    const wider = await consentPageVia(
      browser,
      (await request(thirdParty, { scope: 'openid email groups' })).url,
    );
    expect(wider).toContain('<li>The groups you belong to</li>');

    const audit = await t.api('GET', `/v1/audit?action=consent.granted&target=client:${thirdParty.clientId}`);
    expect(audit.body.events.map((event: any) => event.details)).toContainEqual({
      user_id: user.id,
      scope: 'email openid',
    });
  });

  it('prompt=none without a grant answers consent_required; a first-party client never asks', async () => {
    const user = await t.createUser();
    const browser = new FormBrowser(t.url);
    const first = await request(firstParty);
    const callback = await continueOf(await passwordStep(browser, first.url, user));
    expect(callback.searchParams.get('code')).not.toBeNull();
    const none = await request(thirdParty, { prompt: 'none' });
    const refused = locationOf(await browser.get(none.url), t.url);
    expect(refused.searchParams.get('error')).toBe('consent_required');
    expect(refused.searchParams.get('state')).toBe(none.state);
    expect(refused.searchParams.get('iss')).toBe(t.url);
  });

  it('revoking the client or the user forgets the consent', async () => {
    const user = await t.createUser();
    const browser = new FormBrowser(t.url);
    const allow = async () => {
      const page = await consentPageVia(browser, (await request(thirdParty)).url);
      await browser.post('/login/consent', { csrf: csrfOf(page), decision: 'allow' });
      const sso = locationOf(await browser.get((await request(thirdParty)).url), t.url);
      expect(sso.searchParams.get('code')).not.toBeNull();
    };
    const page = await (await passwordStep(browser, (await request(thirdParty)).url, user)).text();
    await browser.post('/login/consent', { csrf: csrfOf(page), decision: 'allow' });

    const client = await t.api('POST', '/v1/revocations', {
      target: { type: 'client', id: thirdParty.clientId },
      reason: 'security_incident',
    });
    expect(client.status).toBe(201);
    // The SSO session (client `cutoff`) lives on; the grant does not.
    await allow();

    const revoked = await t.api('POST', '/v1/revocations', {
      target: { type: 'user', id: user.id },
      reason: 'offboarding',
    });
    expect(revoked.status).toBe(201);
    const consent = await passwordStep(browser, (await request(thirdParty)).url, user);
    expect(await consent.text()).toContain('asks to use your Cutoff account');
  });

  it('advertises acr values; a password-only SSO session asked for mfa takes the TOTP step', async () => {
    const discovery = (await t.api('GET', '/.well-known/openid-configuration', undefined, null)).body;
    expect(discovery.acr_values_supported).toEqual([ACR_PWD, ACR_MFA]);
    expect(discovery.prompt_values_supported).toContain('consent');
    expect(discovery.claims_supported).toContain('acr');

    const user = await t.createUser();
    const browser = new FormBrowser(t.url);
    await passwordStep(browser, (await request(firstParty)).url, user);
    // Enrolled after signing in: the SSO session proved the password only.
    const secret = await t.enrolTotp(user.id);

    const silent = await request(firstParty, { acr_values: ACR_MFA, prompt: 'none' });
    const refused = locationOf(await browser.get(silent.url), t.url);
    expect(refused.searchParams.get('error')).toBe('interaction_required');

    // A list that accepts the password is met by the session as it is.
    const either = locationOf(
      await browser.get((await request(firstParty, { acr_values: `${ACR_MFA} ${ACR_PWD}` })).url),
      t.url,
    );
    expect(either.searchParams.get('code')).not.toBeNull();

    const flow = await request(firstParty, { acr_values: ACR_MFA });
    expect((await browser.get(flow.url)).headers.get('location')).toBe('/login');
    const page = await (await browser.get('/login')).text();
    expect(page).toContain('<label for="code">Authentication code</label>');
    const done = await browser.post('/login/totp', { csrf: csrfOf(page), code: totpCode(secret) });
    const tokens = await redeem(firstParty, await continueOf(done), flow);
    expect(tokens.claims()).toMatchObject({ acr: ACR_MFA, amr: ['pwd', 'otp', 'mfa'] });
    // The stepped-up SSO session now meets mfa without a page.
    const after = locationOf(
      await browser.get((await request(firstParty, { acr_values: ACR_MFA })).url),
      t.url,
    );
    expect(after.searchParams.get('code')).not.toBeNull();
  });

  it('asking for mfa for a user with no TOTP is interaction_required after the password', async () => {
    const user = await t.createUser();
    const browser = new FormBrowser(t.url);
    const flow = await request(firstParty, { acr_values: ACR_MFA });
    const answer = await continueOf(await passwordStep(browser, flow.url, user));
    expect(answer.searchParams.get('error')).toBe('interaction_required');
    expect(answer.searchParams.get('state')).toBe(flow.state);
    expect(answer.searchParams.get('code')).toBeNull();
  });
});
