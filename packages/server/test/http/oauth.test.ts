import * as oauth from 'oauth4webapi';
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeJwtPart, startTestServer, type TestServer } from '../support/test-server.js';

const discover = (t: TestServer, clientId: string, secret?: string): Promise<client.Configuration> =>
  client.discovery(
    new URL(t.url),
    clientId,
    secret,
    secret === undefined ? client.None() : client.ClientSecretBasic(secret),
    { algorithm: 'oauth2', execute: [client.allowInsecureRequests] },
  );

const validateAccessToken = async (t: TestServer, token: string) => {
  const as = await oauth.processDiscoveryResponse(
    new URL(t.url),
    await oauth.discoveryRequest(new URL(t.url), {
      algorithm: 'oauth2',
      [oauth.allowInsecureRequests]: true,
    }),
  );
  const request = new Request(`${t.url}/resource`, { headers: { authorization: `Bearer ${token}` } });
  return oauth.validateJwtAccessToken(as, request, t.config.audience, {
    [oauth.allowInsecureRequests]: true,
  });
};

describe('tokens and OAuth endpoints (openid-client)', () => {
  let t: TestServer;
  let config: client.Configuration;
  beforeAll(async () => {
    t = await startTestServer({ config: { refreshGraceSeconds: 0 } });
    config = await discover(t, 'cutoff');
  });
  afterAll(() => t.close());

  it('publishes RFC 8414 metadata and a JWKS with the signing key', async () => {
    const metadata = config.serverMetadata();
    expect(metadata.issuer).toBe(t.url);
    expect(metadata.token_endpoint).toBe(`${t.config.issuer}/oauth/token`);
    const jwks = (await t.api('GET', '/.well-known/jwks.json', undefined, null)).body;
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig' });
    expect(jwks.keys[0]).not.toHaveProperty('d');
  });

  it('issues RFC 9068 access tokens that a certified validator accepts', async () => {
    const user = await t.createUser({ roles: ['reader'], groups: ['eng'] });
    const login = await t.login(user.username, user.password);
    expect(login.status).toBe(200);
    expect(login.body).toMatchObject({ token_type: 'Bearer', expires_in: 600 });
    expect(login.body.session_id).toMatch(/^ses_/);
    expect(login.body.refresh_token).toMatch(/^cutoff_rt_[A-Za-z0-9_-]{43}$/);
    const header = decodeJwtPart(login.body.access_token, 0);
    expect(header).toMatchObject({ typ: 'at+jwt', alg: 'RS256' });
    expect(header.kid).toEqual(expect.any(String));
    const claims = await validateAccessToken(t, login.body.access_token);
    expect(claims).toMatchObject({
      iss: t.config.issuer,
      sub: user.id,
      aud: 'cutoff',
      client_id: 'cutoff',
      sid: login.body.session_id,
      roles: ['reader'],
      groups: ['eng'],
      amr: ['pwd'],
    });
    expect(claims.exp - claims.iat).toBe(600);
  });

  it('rotates refresh tokens; the old one is then a reuse that kills the whole session', async () => {
    const user = await t.createUser();
    const login = await t.login(user.username, user.password);
    const first = await client.refreshTokenGrant(config, login.body.refresh_token);
    expect(first.refresh_token).toBeDefined();
    expect(first.refresh_token).not.toBe(login.body.refresh_token);
    const second = await client.refreshTokenGrant(config, first.refresh_token!);

    // Reuse of the first, already rotated token: invalid_grant, and the session dies.
    await expect(client.refreshTokenGrant(config, login.body.refresh_token)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
    await expect(client.refreshTokenGrant(config, second.refresh_token!)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
    const introspector = await discover(t, 'introspector', await confidentialSecret(t, 'introspector'));
    expect(await client.tokenIntrospection(introspector, second.access_token)).toEqual({ active: false });
    const sessions = (await t.api('GET', `/v1/users/${user.id}/sessions`)).body.sessions;
    expect(sessions[0]).toMatchObject({ status: 'revoked', revoked_reason: 'security_incident' });
    const audit = await t.api('GET', `/v1/audit?action=refresh_token.reused&target=${login.body.session_id}`);
    expect(audit.body.events).toHaveLength(1);
    // The reuse, then the revocation it caused: consecutive events of one transaction.
    const trail = (await t.api('GET', `/v1/audit?target=${login.body.session_id}`)).body.events as {
      action: string;
      seq: number;
      details: Record<string, unknown>;
    }[];
    const [reused, revoked] = trail.slice(-2);
    expect([reused?.action, revoked?.action]).toEqual(['refresh_token.reused', 'session.revoked']);
    expect(revoked!.seq).toBe(reused!.seq + 1);
    expect(reused?.details).toMatchObject({ user_id: user.id, client_id: 'cutoff' });
    expect(revoked?.details).toMatchObject({ trigger: 'refresh_token_reuse' });
  });

  it('two concurrent refreshes with one token and no grace: one wins, then reuse revokes the session', async () => {
    const user = await t.createUser();
    const login = await t.login(user.username, user.password);
    const results = await Promise.allSettled([
      client.refreshTokenGrant(config, login.body.refresh_token),
      client.refreshTokenGrant(config, login.body.refresh_token),
    ]);
    const fulfilled = results.filter((result) => result.status === 'fulfilled');
    expect(fulfilled).toHaveLength(1);
    const winner = (fulfilled[0] as PromiseFulfilledResult<client.TokenEndpointResponse>).value;
    await expect(client.refreshTokenGrant(config, winner.refresh_token!)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
  });

  it('rejects an unknown refresh token and a token of another client', async () => {
    await expect(client.refreshTokenGrant(config, 'cutoff_rt_unknown')).rejects.toMatchObject({
      error: 'invalid_grant',
    });
    const other = await t.api('POST', '/v1/clients', { id: 'mobile', name: 'Mobile', type: 'public' });
    expect(other.status).toBe(201);
    const user = await t.createUser();
    const login = await t.login(user.username, user.password, { client_id: 'mobile' });
    expect(decodeJwtPart(login.body.access_token, 1).client_id).toBe('mobile');
    await expect(client.refreshTokenGrant(config, login.body.refresh_token)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
    const mobile = await discover(t, 'mobile');
    await expect(client.refreshTokenGrant(mobile, login.body.refresh_token)).resolves.toHaveProperty(
      'access_token',
    );
  });

  it("a confidential client's refresh token needs its secret; an attempt without it burns nothing", async () => {
    const secret = await confidentialSecret(t, 'portal');
    const user = await t.createUser();
    const login = await t.login(user.username, user.password, { client_id: 'portal' });
    expect(login.status).toBe(200);
    const refresh = (body: Record<string, string>, authorization?: string) =>
      fetch(`${t.url}/oauth/token`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          ...(authorization !== undefined && { authorization }),
        },
        body: new URLSearchParams({ grant_type: 'refresh_token', ...body }),
      });
    // A thief with the refresh token alone, unnamed, then naming the client without its secret.
    for (const attempt of [
      await refresh({ refresh_token: login.body.refresh_token }),
      await refresh({ refresh_token: login.body.refresh_token, client_id: 'portal' }),
      await refresh({ refresh_token: login.body.refresh_token }, `Basic ${btoa('portal:wrong')}`),
    ]) {
      expect(attempt.status).toBe(401);
      expect(await attempt.json()).toMatchObject({ error: 'invalid_client' });
    }
    // The token was not rotated by those attempts, so the real client is not taken for a reuser.
    const portal = await discover(t, 'portal', secret);
    const rotated = await client.refreshTokenGrant(portal, login.body.refresh_token);
    expect(rotated.access_token).toBeTypeOf('string');
    const sessions = (await t.api('GET', `/v1/users/${user.id}/sessions`)).body.sessions;
    expect(sessions[0].status).toBe('active');
  });

  it('client_credentials for confidential clients, and RFC 7662 introspection', async () => {
    const secret = await confidentialSecret(t, 'billing', ['service']);
    const billing = await discover(t, 'billing', secret);
    const tokens = await client.clientCredentialsGrant(billing);
    expect(tokens.refresh_token).toBeUndefined();
    const introspection = await client.tokenIntrospection(billing, tokens.access_token);
    expect(introspection).toMatchObject({
      active: true,
      sub: 'billing',
      client_id: 'billing',
      roles: ['service'],
    });

    const wrongSecret = await discover(t, 'billing', 'cutoff_cs_wrong');
    // RFC 6749 section 5.2: 401 with a Basic challenge, which openid-client surfaces as such.
    await expect(client.clientCredentialsGrant(wrongSecret)).rejects.toMatchObject({ status: 401 });
    const raw = await t.form(
      '/oauth/token',
      { grant_type: 'client_credentials' },
      { authorization: `Basic ${Buffer.from('billing:cutoff_cs_wrong').toString('base64')}` },
    );
    expect(raw.status).toBe(401);
    expect(raw.body.error).toBe('invalid_client');
    expect(raw.headers.get('www-authenticate')).toMatch(/^Basic/);
    const publicClient = await t.form('/oauth/token', {
      grant_type: 'client_credentials',
      client_id: 'cutoff',
    });
    expect(publicClient.status).toBe(400);
    expect(publicClient.body.error).toBe('unauthorized_client');
  });

  it('introspection needs an authenticated caller; garbage is exactly {active:false}', async () => {
    const user = await t.createUser();
    const login = await t.login(user.username, user.password);
    const anonymous = await t.form('/oauth/introspect', { token: login.body.access_token });
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.error).toBe('invalid_client');
    const feedOnly = await t.apiKey(['feed:read']);
    const feedCaller = await t.form(
      '/oauth/introspect',
      { token: login.body.access_token },
      { authorization: `Bearer ${feedOnly}` },
    );
    // RFC 6750 section 3.1: a Bearer caller lacking the scope gets 403 and a Bearer challenge.
    expect(feedCaller.status).toBe(403);

    const introspectKey = await t.apiKey(['introspect']);
    const asKey = { authorization: `Bearer ${introspectKey}` };
    const active = await t.form('/oauth/introspect', { token: login.body.access_token }, asKey);
    expect(active.body).toMatchObject({ active: true, sub: user.id, sid: login.body.session_id });
    for (const token of ['', 'garbage', 'a.b.c', login.body.access_token.slice(0, -4), 'cutoff_rt_x']) {
      const response = await t.form('/oauth/introspect', { token }, asKey);
      expect(response.status, token).toBe(token === '' ? 200 : 200);
      expect(response.body, token).toEqual({ active: false });
    }
    const refresh = await t.form('/oauth/introspect', { token: login.body.refresh_token }, asKey);
    expect(refresh.body).toMatchObject({ active: true, token_type: 'refresh_token', sub: user.id });
  });

  it('answers repeated introspections from memory with the same verdicts, revocation included', async () => {
    const user = await t.createUser();
    const login = await t.login(user.username, user.password);
    const asKey = { authorization: `Bearer ${await t.apiKey(['introspect'])}` };
    const asFeedKey = { authorization: `Bearer ${await t.apiKey(['feed:read'])}` };
    const ask = (headers: Record<string, string>) =>
      t.form('/oauth/introspect', { token: login.body.access_token }, headers);
    // The first call verifies the signature and loads the key; the next ones are decided in memory.
    for (let call = 0; call < 3; call += 1) {
      const answer = await ask(asKey);
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({ active: true, sub: user.id, sid: login.body.session_id });
      expect((await ask(asFeedKey)).status).toBe(403);
    }
    const revoked = await t.api('DELETE', `/v1/sessions/${login.body.session_id}`);
    expect(revoked.status).toBeLessThan(300);
    expect((await ask(asKey)).body).toEqual({ active: false });
    expect((await ask(asKey)).body).toEqual({ active: false });
  });

  it('RFC 7009: revoking a refresh token ends its session; revoking an access token kills that token', async () => {
    const introspector = await discover(t, 'auditor', await confidentialSecret(t, 'auditor'));
    const user = await t.createUser();
    const a = await t.login(user.username, user.password);
    await client.tokenRevocation(config, a.body.refresh_token);
    expect(await client.tokenIntrospection(introspector, a.body.access_token)).toEqual({ active: false });
    await expect(client.refreshTokenGrant(config, a.body.refresh_token)).rejects.toMatchObject({
      error: 'invalid_grant',
    });

    const b = await t.login(user.username, user.password);
    await client.tokenRevocation(config, b.body.access_token);
    expect(await client.tokenIntrospection(introspector, b.body.access_token)).toEqual({ active: false });
    // The session itself lives on: a refresh mints a new, working access token.
    const refreshed = await client.refreshTokenGrant(config, b.body.refresh_token);
    expect((await client.tokenIntrospection(introspector, refreshed.access_token)).active).toBe(true);
    // Unknown tokens are accepted silently (RFC 7009 section 2.2).
    await expect(client.tokenRevocation(config, 'not-a-token')).resolves.toBeUndefined();
  });

  it('RFC 6750: a bad or wrong-scope Bearer key at introspection gets a Bearer challenge; Basic keeps Basic', async () => {
    const user = await t.createUser();
    const login = await t.login(user.username, user.password);
    const introspect = (headers: Record<string, string>) =>
      t.form('/oauth/introspect', { token: login.body.access_token }, headers);

    const unknownKey = await introspect({ authorization: 'Bearer cutoff_ak_not-a-key' });
    expect(unknownKey.status).toBe(401);
    expect(unknownKey.body).toMatchObject({ error: 'invalid_token' });
    expect(unknownKey.headers.get('www-authenticate')).toMatch(
      /^Bearer realm="cutoff", error="invalid_token"/,
    );
    expect(unknownKey.body).not.toHaveProperty('active');
    for (const malformed of ['Bearer', 'Bearer two words', 'bearer %%%']) {
      const response = await introspect({ authorization: malformed });
      expect(response.status, malformed).toBe(401);
      expect(response.headers.get('www-authenticate'), malformed).toMatch(/^Bearer .*error="invalid_token"/);
    }

    const feedKey = await introspect({ authorization: `Bearer ${await t.apiKey(['feed:read'])}` });
    expect(feedKey.status).toBe(403);
    expect(feedKey.body).toMatchObject({ error: 'insufficient_scope' });
    const challenge = feedKey.headers.get('www-authenticate') ?? '';
    expect(challenge).toMatch(/^Bearer /);
    expect(challenge).toContain('error="insufficient_scope"');
    expect(challenge).toContain('scope="introspect"');

    await confidentialSecret(t, 'rs-basic');
    const wrongSecret = await introspect({
      authorization: `Basic ${Buffer.from('rs-basic:cutoff_cs_wrong').toString('base64')}`,
    });
    expect(wrongSecret.status).toBe(401);
    expect(wrongSecret.body).toMatchObject({ error: 'invalid_client' });
    expect(wrongSecret.headers.get('www-authenticate')).toMatch(/^Basic /);
  });

  it("RFC 7009 section 2.1: a client revoking another client's token is refused and nothing is revoked", async () => {
    const secret = await confidentialSecret(t, 'crm');
    const crm = await discover(t, 'crm', secret);
    const introspector = await discover(t, 'crm-auditor', await confidentialSecret(t, 'crm-auditor'));
    await t.api('POST', '/v1/clients', { id: 'kiosk', name: 'Kiosk', type: 'public' });
    const kiosk = await discover(t, 'kiosk');
    const user = await t.createUser();
    const login = await t.login(user.username, user.password); // issued to the public client `cutoff`

    for (const [caller, token] of [
      [crm, login.body.refresh_token],
      [crm, login.body.access_token],
      [kiosk, login.body.refresh_token],
      [kiosk, login.body.access_token],
    ] as const) {
      await expect(client.tokenRevocation(caller, token)).rejects.toMatchObject({
        error: 'unauthorized_client',
        status: 400,
      });
    }
    // Nothing was revoked: the token still introspects active, the session is active, it refreshes.
    expect((await client.tokenIntrospection(introspector, login.body.access_token)).active).toBe(true);
    const sessions = (await t.api('GET', `/v1/users/${user.id}/sessions`)).body.sessions;
    expect(sessions.map((session: any) => session.status)).toEqual(['active']);
    const feed = (
      await t.api('GET', '/v1/audit?action=session.revoked&target=session:' + login.body.session_id)
    ).body.events;
    expect(feed).toEqual([]);
    const refreshed = await client.refreshTokenGrant(config, login.body.refresh_token);
    expect(refreshed.access_token).toBeTypeOf('string');

    // Once the session is dead, the answer to another client is the same: whether another
    // client's token is still live is not the caller's to learn.
    await t.api('DELETE', `/v1/sessions/${login.body.session_id}`);
    await expect(client.tokenRevocation(crm, refreshed.refresh_token!)).rejects.toMatchObject({
      error: 'unauthorized_client',
    });
    // The client the token was issued to revokes it as before (a dead token: 200, nothing to do).
    await expect(client.tokenRevocation(config, refreshed.refresh_token!)).resolves.toBeUndefined();
  });

  it('answers RFC 6749 errors for bad token requests', async () => {
    const unsupported = await t.form('/oauth/token', { grant_type: 'password', client_id: 'cutoff' });
    expect(unsupported.status).toBe(400);
    expect(unsupported.body.error).toBe('unsupported_grant_type');
    const missing = await t.form('/oauth/token', { grant_type: 'refresh_token', client_id: 'cutoff' });
    expect(missing.body.error).toBe('invalid_request');
    const unknownClient = await t.form('/oauth/token', {
      grant_type: 'refresh_token',
      refresh_token: 'x',
      client_id: 'nope',
    });
    expect(unknownClient.status).toBe(401);
    expect(unknownClient.body.error).toBe('invalid_client');
    const json = await t.api('POST', '/oauth/token', { grant_type: 'refresh_token' }, null);
    expect(json.status).toBe(400);
    expect(json.body.error).toBe('invalid_request');
  });
});

describe('refresh grace window', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ config: { refreshGraceSeconds: 30 } });
  });
  afterAll(() => t.close());

  it('lets concurrent refreshes with one token both succeed inside the grace window', async () => {
    const config = await discover(t, 'cutoff');
    const user = await t.createUser();
    const login = await t.login(user.username, user.password);
    const results = await Promise.all([
      client.refreshTokenGrant(config, login.body.refresh_token),
      client.refreshTokenGrant(config, login.body.refresh_token),
    ]);
    expect(results.map((result) => result.refresh_token)).toHaveLength(2);
    for (const result of results)
      await expect(client.refreshTokenGrant(config, result.refresh_token!)).resolves.toBeDefined();
    const sessions = (await t.api('GET', `/v1/users/${user.id}/sessions`)).body.sessions;
    expect(sessions[0].status).toBe('active');
  });
});

const confidentialSecret = async (t: TestServer, id: string, roles: string[] = []): Promise<string> => {
  const response = await t.api('POST', '/v1/clients', { id, name: id, type: 'confidential', roles });
  if (response.status !== 201) throw new Error(`client ${id}: ${response.status}`);
  return response.body.client_secret as string;
};
