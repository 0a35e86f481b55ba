import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, totpCode, type TestServer } from '../support/test-server.js';

/** Launch flags from /work/shared/TESTING.md: without the networking ones Chromium calls out. */
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

interface App {
  readonly name: string;
  readonly clientId: string;
  readonly secret: string | undefined;
}

/**
 * A relying party the way a web app is one: `/<app>/start` redirects to Cutoff with PKCE and
 * state, `/<app>/callback` redeems the code server-side and greets the user by ID token subject.
 */
const startRelyingParty = async (t: TestServer, apps: () => readonly App[]) => {
  const pending = new Map<string, { readonly verifier: string; readonly app: App }>();
  let origin = '';
  const server: Server = createServer((request, response) => {
    void (async () => {
      const url = new URL(request.url ?? '/', origin);
      const [, name, step] = url.pathname.split('/');
      const app = apps().find((candidate) => candidate.name === name);
      if (app === undefined) return response.writeHead(404).end();
      const redirectUri = `${origin}/${app.name}/callback`;
      if (step === 'start') {
        const verifier = randomBytes(32).toString('base64url');
        const state = randomBytes(16).toString('base64url');
        pending.set(state, { verifier, app });
        const authorize = new URL(`${t.url}/oauth/authorize`);
        authorize.search = new URLSearchParams({
          client_id: app.clientId,
          redirect_uri: redirectUri,
          response_type: 'code',
          scope: 'openid profile',
          state,
          nonce: randomBytes(16).toString('base64url'),
          code_challenge: createHash('sha256').update(verifier).digest('base64url'),
          code_challenge_method: 'S256',
        }).toString();
        return response.writeHead(302, { location: authorize.toString() }).end();
      }
      const flow = pending.get(url.searchParams.get('state') ?? '');
      if (flow === undefined || url.searchParams.get('iss') !== t.url)
        return response.writeHead(400).end('bad state or iss');
      const token = await fetch(`${t.url}/oauth/token`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          ...(app.secret !== undefined && {
            authorization: `Basic ${Buffer.from(`${app.clientId}:${app.secret}`).toString('base64')}`,
          }),
        },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          code: url.searchParams.get('code') ?? '',
          redirect_uri: redirectUri,
          code_verifier: flow.verifier,
          ...(app.secret === undefined && { client_id: app.clientId }),
        }).toString(),
      });
      const body = (await token.json()) as { id_token?: string };
      if (body.id_token === undefined) return response.writeHead(502).end(JSON.stringify(body));
      const claims = JSON.parse(Buffer.from(body.id_token.split('.')[1]!, 'base64url').toString()) as {
        sub: string;
      };
      response
        .writeHead(200, { 'content-type': 'text/html' })
        .end(`<h1>${app.name}: signed in as ${claims.sub}</h1>`);
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { origin, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
};

describe('the hosted login in a real browser (Chromium)', () => {
  let t: TestServer;
  let browser: Browser;
  let rp: Awaited<ReturnType<typeof startRelyingParty>>;
  const apps: App[] = [];

  beforeAll(async () => {
    t = await startTestServer();
    rp = await startRelyingParty(t, () => apps);
    for (const [name, type, consent] of [
      ['wiki', 'confidential', 'none'],
      ['dashboard', 'public', 'none'],
      ['timesheets', 'confidential', 'required'],
    ] as const) {
      const created = await t.api('POST', '/v1/clients', {
        name,
        type,
        consent,
        redirect_uris: [`${rp.origin}/${name}/callback`],
      });
      apps.push({ name, clientId: created.body.client_id, secret: created.body.client_secret });
    }
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await rp?.close();
    await t?.close();
  });

  it('password and TOTP, a wrong password announced, SSO into a second app, and a revocation asks again', async () => {
    const user = await t.createUser();
    const secret = await t.enrolTotp(user.id);
    const page = await (await browser.newContext()).newPage();

    await page.goto(`${rp.origin}/wiki/start`);
    expect(new URL(page.url()).origin).toBe(t.url);
    await page.getByLabel('Username').fill(user.username);
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toBe('Wrong username or password.');
    // The name typed is kept; the password is not.
    await expect(page.getByLabel('Username').inputValue()).resolves.toBe(user.username);
    await expect(page.getByLabel('Password').inputValue()).resolves.toBe('');

    await page.getByLabel('Password').fill(user.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByLabel('Authentication code').fill(totpCode(secret));
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.waitForURL(`${rp.origin}/wiki/callback?**`);
    await expect(page.getByRole('heading').textContent()).resolves.toBe(`wiki: signed in as ${user.id}`);

    // Single sign-on: the second app signs the user in without a page of Cutoff's.
    await page.goto(`${rp.origin}/dashboard/start`);
    await page.waitForURL(`${rp.origin}/dashboard/callback?**`);
    await expect(page.getByRole('heading').textContent()).resolves.toBe(`dashboard: signed in as ${user.id}`);

    const revoked = await t.api('POST', '/v1/revocations', {
      target: { type: 'user', id: user.id },
      reason: 'offboarding',
    });
    expect(revoked.status).toBe(201);
    await page.goto(`${rp.origin}/dashboard/start`);
    expect(new URL(page.url()).pathname).toBe('/login');
    await expect(page.getByLabel('Password').isVisible()).resolves.toBe(true);
  }, 60_000);

  it('a third-party app: the consent page, Deny returns access_denied, Allow is remembered', async () => {
    const user = await t.createUser();
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${rp.origin}/timesheets/start`);
    await page.getByLabel('Username').fill(user.username);
    await page.getByLabel('Password').fill(user.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Allow access?');
    await expect(page.getByText('timesheets asks to use your Cutoff account').isVisible()).resolves.toBe(
      true,
    );
    await expect(page.getByRole('listitem').allTextContents()).resolves.toEqual([
      'Know who you are (your Cutoff account id)',
      'Your username and name',
    ]);

    await page.getByRole('button', { name: 'Deny' }).click();
    await page.waitForURL(`${rp.origin}/timesheets/callback?**`);
    const denied = new URL(page.url());
    expect(denied.searchParams.get('error')).toBe('access_denied');
    expect(denied.searchParams.get('iss')).toBe(t.url);

    await page.goto(`${rp.origin}/timesheets/start`);
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL(`${rp.origin}/timesheets/callback?**`);
    await expect(page.getByRole('heading').textContent()).resolves.toBe(
      `timesheets: signed in as ${user.id}`,
    );

    // Remembered: the next sign-in goes straight through.
    await page.goto(`${rp.origin}/timesheets/start`);
    await page.waitForURL(`${rp.origin}/timesheets/callback?**`);
    await expect(page.getByRole('heading').textContent()).resolves.toBe(
      `timesheets: signed in as ${user.id}`,
    );
  }, 60_000);
});
