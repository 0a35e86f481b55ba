import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { startTestTransmitter, type TestTransmitter } from './transmitter.js';

/** draft-parecki-oauth-global-token-revocation, with each way a caller authenticates. */
describe('POST /oauth/global-token-revocation', () => {
  let t: TestServer;
  let okta: TestTransmitter;
  let introspectKey: string;
  const path = '/oauth/global-token-revocation';

  beforeAll(async () => {
    t = await startTestServer();
    // Okta Universal Logout signs with the org's keys; the transmitter config holds them.
    okta = await startTestTransmitter({ audience: t.config.issuer });
    expect(
      (await t.api('PUT', '/v1/ssf/transmitters/okta', { issuer: okta.issuer, jwks_uri: okta.jwksUri }))
        .status,
    ).toBe(201);
    introspectKey = await t.apiKey(['introspect']);
  });
  afterAll(async () => {
    await okta.close();
    await t.close();
  });

  const signIn = async () => {
    const username = `gtr-${randomUUID().slice(0, 8)}`;
    const email = `${username}@example.com`;
    const password = `pw-${username}-secret`;
    const created = await t.api('POST', '/v1/users', { username, password, email });
    expect(created.status).toBe(201);
    const login = await t.login(username, password);
    return {
      id: created.body.id as string,
      email,
      accessToken: login.body.access_token as string,
      refreshToken: login.body.refresh_token as string,
    };
  };
  const active = async (token: string): Promise<boolean> =>
    (await t.form('/oauth/introspect', { token }, { authorization: `Bearer ${introspectKey}` })).body.active;
  const call = (body: unknown, bearer: string | null) => t.api('POST', path, body, bearer);

  const clientToken = async (id: string, roles: string[], scope: string): Promise<string> => {
    const created = await t.api('POST', '/v1/clients', { id, name: id, type: 'confidential', roles });
    expect(created.status).toBe(201);
    const basic = Buffer.from(`${id}:${created.body.client_secret}`).toString('base64');
    const token = await t.form(
      '/oauth/token',
      { grant_type: 'client_credentials', scope },
      { authorization: `Basic ${basic}` },
    );
    expect(token.status).toBe(200);
    return token.body.access_token as string;
  };

  const oktaJwt = (claims: Record<string, unknown> = {}) => {
    const now = Math.floor(Date.now() / 1000);
    return okta.signJwt({
      iss: okta.issuer,
      aud: `${t.config.issuer}${path}`,
      iat: now,
      exp: now + 300,
      jti: randomUUID(),
      ...claims,
    });
  };

  it('an admin API key, by email: 204, sessions and refresh tokens revoked, audited', async () => {
    const user = await signIn();
    const response = await call({ sub_id: { format: 'email', email: user.email } }, t.adminKey);
    expect(response.status).toBe(204);
    expect(response.body).toBeNull();
    expect(await active(user.accessToken)).toBe(false);
    expect(await active(user.refreshToken)).toBe(false);
    const feed = await t.api('GET', '/v1/revocations?after=0');
    expect(feed.body.entries).toContainEqual(
      expect.objectContaining({ kind: 'user', key: user.id, reason: 'security_incident' }),
    );
    const audit = await t.api('GET', '/v1/audit?action=global_token_revocation.requested&limit=1000');
    expect(audit.body.events).toContainEqual(
      expect.objectContaining({
        target: { type: 'user', id: user.id },
        actor: { type: 'admin', id: 'bootstrap' },
      }),
    );
  });

  it("a JWT signed by a transmitter's keys (Okta Universal Logout), by iss_sub: 204; replayed: 401", async () => {
    const user = await signIn();
    const jwt = await oktaJwt();
    const body = { sub_id: { format: 'iss_sub', iss: t.config.issuer, sub: user.id } };
    expect((await call(body, jwt)).status).toBe(204);
    expect(await active(user.refreshToken)).toBe(false);
    const other = await signIn();
    const replay = await call({ sub_id: { format: 'email', email: other.email } }, jwt);
    expect(replay.status).toBe(401);
    expect(await active(other.refreshToken)).toBe(true);
  });

  it('a transmitter JWT for another audience, expired, or signed by another key: 401, nothing revoked', async () => {
    const user = await signIn();
    const body = { sub_id: { format: 'email', email: user.email } };
    const now = Math.floor(Date.now() / 1000);
    for (const jwt of [
      await oktaJwt({ aud: 'https://another-app.example.com' }),
      await oktaJwt({ iat: now - 900, exp: now - 600 }),
      await oktaJwt({ iss: 'https://not-configured.example.com' }),
    ]) {
      const response = await call(body, jwt);
      expect(response.status).toBe(401);
      expect(response.body.code).toBe('ERR_UNAUTHENTICATED');
    }
    const stranger = await startTestTransmitter({ audience: t.config.issuer, issuer: okta.issuer });
    try {
      expect(
        (await call(body, await stranger.signJwt({ iss: okta.issuer, aud: t.config.issuer, exp: now + 60 })))
          .status,
      ).toBe(401);
    } finally {
      await stranger.close();
    }
    expect(await active(user.refreshToken)).toBe(true);
  });

  it('a client_credentials token with scope and role global_token_revocation: 204; without the role: 403', async () => {
    const user = await signIn();
    const body = { sub_id: { format: 'email', email: user.email } };
    const granted = await clientToken('itdr', ['global_token_revocation'], 'global_token_revocation');
    // Scope alone is what any client can ask for: the client must have been registered with the role.
    const selfGranted = await clientToken('billing', ['service'], 'global_token_revocation');
    const noScope = await clientToken('itdr-2', ['global_token_revocation'], 'read');
    expect((await call(body, selfGranted)).status).toBe(403);
    expect((await call(body, noScope)).status).toBe(403);
    expect(await active(user.refreshToken)).toBe(true);
    expect((await call(body, granted)).status).toBe(204);
    expect(await active(user.refreshToken)).toBe(false);
    // A user's own access token is not a client's.
    const victim = await signIn();
    const attacker = await signIn();
    expect(
      (await call({ sub_id: { format: 'email', email: victim.email } }, attacker.accessToken)).status,
    ).toBe(403);
    expect(await active(victim.refreshToken)).toBe(true);
  });

  it('401 without or with an unknown credential, 403 with a key lacking admin', async () => {
    const body = { sub_id: { format: 'email', email: 'someone@example.com' } };
    expect((await call(body, null)).status).toBe(401);
    expect((await call(body, 'not-a-key')).status).toBe(401);
    const hooks = await t.apiKey(['hooks']);
    const forbidden = await call(body, hooks);
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.code).toBe('ERR_FORBIDDEN');
  });

  it('404 for an unknown user; 400 for an unsupported format or a bad body, nothing revoked', async () => {
    const user = await signIn();
    const missing = await call({ sub_id: { format: 'email', email: 'nobody@example.com' } }, t.adminKey);
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('ERR_NOT_FOUND');
    const opaque = await call({ sub_id: { format: 'opaque', id: user.id } }, t.adminKey);
    expect(opaque.status).toBe(400);
    expect(opaque.body.code).toBe('ERR_GTR_UNSUPPORTED_SUBJECT');
    const foreign = await call(
      { sub_id: { format: 'iss_sub', iss: 'https://elsewhere.example.com', sub: user.id } },
      t.adminKey,
    );
    expect(foreign.status).toBe(400);
    expect(foreign.body.code).toBe('ERR_GTR_UNSUPPORTED_SUBJECT');
    for (const bad of [{}, { sub_id: 'alice' }, { sub_id: { email: user.email } }]) {
      const response = await call(bad, t.adminKey);
      expect(response.status).toBe(400);
      expect(response.body.code).toBe('ERR_VALIDATION');
    }
    expect(await active(user.refreshToken)).toBe(true);
  });
});
