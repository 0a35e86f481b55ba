import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCutoffClient } from '@cutoff/client';
import { eventually, startProtectedApp, type ProtectedApp } from '../support/protected-app.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { decodeJwtPart, startTestServer, type TestServer } from '../support/test-server.js';

interface Login {
  readonly access_token: string;
  readonly refresh_token: string;
  readonly session_id: string;
}

describe('a guard-protected app against the real server', () => {
  let t: TestServer;
  let proxy: TcpProxy;
  let app: ProtectedApp;
  let feedKey: string;

  const login = async (user: { username: string; password: string }, clientId?: string): Promise<Login> =>
    (await t.login(user.username, user.password, clientId === undefined ? {} : { client_id: clientId }))
      .body as Login;
  const revokeAndWait = async (type: string, id: string) => {
    const response = await t.api('POST', '/v1/revocations', {
      target: { type, id },
      reason: 'security_incident',
      wait: { for: 'guards', timeout_ms: 2000 },
    });
    expect(response.status).toBe(201);
    return response.body;
  };
  const nextSecond = () => new Promise((resolve) => setTimeout(resolve, 1000 - (Date.now() % 1000) + 20));

  beforeAll(async () => {
    t = await startTestServer();
    feedKey = await t.apiKey(['feed:read', 'introspect']);
    const port = Number(new URL(t.url).port);
    proxy = await startTcpProxy('127.0.0.1', port);
    app = await startProtectedApp({
      issuer: t.url,
      feedUrl: `http://127.0.0.1:${proxy.port}`,
      feedApiKey: feedKey,
      maxStalenessMs: 1000,
      whenStale: 'fail-closed',
    });
  });
  afterAll(async () => {
    await app.close();
    await proxy.close();
    await t.close();
  });

  it('accepts a valid token and hands the verified claims to the route', async () => {
    const user = await t.createUser({ roles: ['buyer'] });
    const session = await login(user);
    const response = await fetch(`${app.url}/orders`, {
      headers: { authorization: `Bearer ${session.access_token}` },
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ sub: user.id, roles: ['buyer'] });
    const missing = await fetch(`${app.url}/orders`);
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toMatch(/^Bearer/);
  });

  it('enforces every row of the revocation rule once the revoke call returns', async () => {
    await nextSecond();
    const alice = await t.createUser({ groups: ['contractors'], roles: ['dev'] });
    const bob = await t.createUser({ groups: ['staff'], roles: ['ops'] });
    const carol = await t.createUser({ groups: ['staff'], roles: ['dev'] });
    const bystander = await t.createUser({ groups: ['staff'], roles: ['viewer'] });
    await t.api('POST', '/v1/clients', { id: 'pos', name: 'POS', type: 'public' });
    const s = {
      session: await login(alice),
      token: await login(bob),
      user: await login(carol),
      group: await login(alice),
      role: await login(carol),
      client: await login(bystander, 'pos'),
      bystander: await login(bystander),
    };
    for (const session of Object.values(s)) expect(await app.status(session.access_token)).toBe(200);

    const cases: [keyof typeof s, string, string][] = [
      ['session', 'session', s.session.session_id],
      ['token', 'token', decodeJwtPart(s.token.access_token, 1).jti as string],
      ['user', 'user', carol.id],
      ['group', 'group', 'contractors'],
      ['role', 'role', 'dev'],
      ['client', 'client', 'pos'],
    ];
    for (const [name, type, id] of cases) {
      const result = await revokeAndWait(type, id);
      expect(result.guards, name).toMatchObject({ total: 1, applied: 1 });
      expect(result.guards.results[0]).toMatchObject({
        app: 'orders',
        applied: true,
        latency_ms: expect.any(Number),
      });
      expect(await app.status(s[name].access_token), name).toBe(401);
    }
    expect(await app.status(s.bystander.access_token)).toBe(200);
    await revokeAndWait('all', '*');
    expect(await app.status(s.bystander.access_token)).toBe(401);
  });

  it('lists the guard in the fleet view with the seq it applied', async () => {
    await eventually(async () => {
      const fleet = (await t.api('GET', '/v1/guards')).body;
      return fleet.guards.length === 1 && fleet.guards[0].lag === 0;
    }, 6000);
    const fleet = (await t.api('GET', '/v1/guards')).body;
    expect(fleet.guards[0]).toMatchObject({
      app: 'orders',
      connected: true,
      seq: fleet.head,
      lag: 0,
      // The guard's own word: it knew itself current, that many ms ago.
      degraded: false,
      staleness_ms: expect.any(Number),
    });
    expect(Date.parse(fleet.head_read_at)).toBeGreaterThan(Date.now() - 5000);
  });

  it('rejects forged tokens', async () => {
    await nextSecond();
    const user = await t.createUser();
    const { access_token: token } = await login(user);
    const [header, payload] = token.split('.');
    const none = `${Buffer.from(JSON.stringify({ ...decodeJwtPart(token, 0), alg: 'none' })).toString('base64url')}.${payload}.`;
    expect(await app.status(none)).toBe(401);
    const elevated = Buffer.from(JSON.stringify({ ...decodeJwtPart(token, 1), roles: ['admin'] })).toString(
      'base64url',
    );
    expect(await app.status(`${header}.${elevated}.${token.split('.')[2]}`)).toBe(401);
  });

  it('fails closed when the feed is cut, and applies what it missed once it is back', async () => {
    await nextSecond();
    const victim = await t.createUser();
    const survivor = await t.createUser();
    const [v, s] = [await login(victim), await login(survivor)];
    expect(await app.status(s.access_token)).toBe(200);

    proxy.cut();
    const blindAfter = await eventually(async () => (await app.status(s.access_token)) === 503, 1000 + 1000);
    expect(blindAfter).toBeLessThanOrEqual(2000);
    expect(app.guard.status().degraded).toBe(true);
    const refused = await fetch(`${app.url}/orders`, {
      headers: { authorization: `Bearer ${s.access_token}` },
    });
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('1');
    // Revoked while the guard is blind: the guard must not let the token through later.
    await t.api('POST', '/v1/revocations', {
      target: { type: 'user', id: victim.id },
      reason: 'offboarding',
    });

    proxy.resume();
    await eventually(async () => (await app.status(s.access_token)) === 200, 10_000);
    expect(await app.status(v.access_token)).toBe(401);
    expect(app.guard.status()).toMatchObject({
      degraded: false,
      seqApplied: (await t.api('GET', '/v1/revocations?after=0')).body.head,
    });
  });

  it('with the introspect policy, keeps answering correctly while blind', async () => {
    const introspecting = await startProtectedApp({
      issuer: t.url,
      feedUrl: `http://127.0.0.1:${proxy.port}`,
      feedApiKey: feedKey,
      app: 'reports',
      maxStalenessMs: 500,
      whenStale: 'introspect',
      introspection: { apiKey: feedKey, cacheMs: 0 },
    });
    try {
      await nextSecond();
      const [good, bad] = [await t.createUser(), await t.createUser()];
      const [g, b] = [await login(good), await login(bad)];
      proxy.cut();
      await eventually(() => introspecting.guard.status().degraded, 3000);
      await t.api('POST', '/v1/revocations', {
        target: { type: 'user', id: bad.id },
        reason: 'security_incident',
      });
      expect(await introspecting.status(g.access_token)).toBe(200);
      expect(await introspecting.status(b.access_token)).toBe(401);
    } finally {
      proxy.resume();
      await introspecting.close();
    }
  });

  it('client SDK: 20 concurrent 401s cause exactly one refresh, then every request succeeds', async () => {
    await nextSecond();
    const user = await t.createUser();
    const session = await login(user);
    let refreshCalls = 0;
    const countingFetch: typeof fetch = (input, init) => {
      if (String(input instanceof Request ? input.url : input).endsWith('/oauth/token')) refreshCalls += 1;
      return fetch(input, init);
    };
    const client = createCutoffClient({
      issuer: t.url,
      clientId: 'cutoff',
      tokens: { accessToken: session.access_token, refreshToken: session.refresh_token },
      fetch: countingFetch,
    });
    await revokeAndWait('token', decodeJwtPart(session.access_token, 1).jti as string);
    const responses = await Promise.all(Array.from({ length: 20 }, () => client.fetch(`${app.url}/orders`)));
    expect(responses.map((response) => response.status)).toEqual(Array(20).fill(200));
    expect(refreshCalls).toBe(1);
    expect(client.getTokens().refreshToken).not.toBe(session.refresh_token);
  });

  it('client SDK: a revoked session ends in reauth_required', async () => {
    const user = await t.createUser();
    const session = await login(user);
    let reauth: string | undefined;
    const client = createCutoffClient({
      issuer: t.url,
      clientId: 'cutoff',
      tokens: { accessToken: session.access_token, refreshToken: session.refresh_token },
      onReauthRequired: (reason) => (reauth = reason),
    });
    await revokeAndWait('session', session.session_id);
    await expect(client.fetch(`${app.url}/orders`)).rejects.toMatchObject({ code: 'reauth_required' });
    expect(reauth).toBe('reauth_required');
  });
});

describe('guard memory follows live entries', () => {
  it('drops entries once they expire', async () => {
    const t = await startTestServer({ config: { accessTokenTtlSeconds: 5, clockSkewSeconds: 0 } });
    const feedKey = await t.apiKey(['feed:read']);
    const app = await startProtectedApp({ issuer: t.url, feedApiKey: feedKey, pruneIntervalMs: 200 });
    try {
      for (let index = 0; index < 50; index += 1) {
        await t.api('POST', '/v1/revocations', {
          target: { type: 'token', id: `jti-${index}` },
          reason: 'manual',
        });
      }
      await eventually(() => app.guard.status().entries === 50, 3000);
      await eventually(() => app.guard.status().entries === 0, 8000);
    } finally {
      await app.close();
      await t.close();
    }
  });
});

describe('signing key retirement reaches guards', () => {
  it("a retired key's tokens are refused within a heartbeat, cached or not; new keys work", async () => {
    const t = await startTestServer();
    const feedKey = await t.apiKey(['feed:read']);
    const app = await startProtectedApp({ issuer: t.url, feedApiKey: feedKey });
    try {
      const user = await t.createUser();
      const token = async (): Promise<string> =>
        (await t.login(user.username, user.password)).body.access_token as string;
      const cached = await token();
      const unseen = await token();
      expect(await app.status(cached)).toBe(200);
      // The first rotation keeps the old key published (tokens it signed stay valid)...
      expect((await t.api('POST', '/v1/keys/rotate', {})).status).toBe(201);
      await new Promise((resolve) => setTimeout(resolve, 1200)); // more than a heartbeat
      expect(await app.status(cached)).toBe(200);
      // ...the second retires it, as after a key compromise: no waiting for tokens to expire.
      expect((await t.api('POST', '/v1/keys/rotate', {})).status).toBe(201);
      const took = await eventually(async () => (await app.status(cached)) === 401, 3000);
      expect(took).toBeLessThan(3000);
      expect(await app.status(unseen)).toBe(401);
      expect(await app.status(await token())).toBe(200);
    } finally {
      await app.close();
      await t.close();
    }
  });
});
