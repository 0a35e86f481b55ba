import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startProtectedApp, type ProtectedApp } from '../support/protected-app.js';
import { decodeJwtPart, startTestServer, type TestServer } from '../support/test-server.js';

const seconds = (iso: string): number => Math.floor(Date.parse(iso) / 1000);

describe('time-bound access: tokens of contractor-group members carry access_until', () => {
  let t: TestServer;
  let app: ProtectedApp;
  beforeAll(async () => {
    // The schedule never ticks during these tests (only at start): what cuts access here is the
    // token's own access_until and the refresh check, not a revocation.
    t = await startTestServer({ config: { scheduleIntervalMs: 3_600_000 } });
    app = await startProtectedApp({ issuer: t.url, feedApiKey: await t.apiKey(['feed:read']) });
  });
  afterAll(async () => {
    await app.close();
    await t.close();
  });

  const login = async (user: { username: string; password: string }) => {
    const response = await t.login(user.username, user.password);
    expect(response.status).toBe(200);
    return response.body as { access_token: string; refresh_token: string; expires_in: number };
  };
  const refresh = (refreshToken: string) =>
    t.form('/oauth/token', { grant_type: 'refresh_token', refresh_token: refreshToken, client_id: 'cutoff' });

  it('carries the earliest pending end date and caps exp at it', async () => {
    const user = await t.createUser({ groups: ['contract-far', 'contract-near', 'staff'] });
    const far = new Date(Date.now() + 3 * 3600_000).toISOString();
    await t.api('PUT', '/v1/groups/contract-far', { end_at: far });

    // An end date beyond the token lifetime: carried, exp unchanged.
    let tokens = await login(user);
    let claims = decodeJwtPart(tokens.access_token, 1);
    expect(claims.access_until).toBe(seconds(far));
    expect(claims.exp).toBe(claims.iat + t.config.accessTokenTtlSeconds);
    expect(claims.groups).toEqual(['contract-far', 'contract-near', 'staff']);

    // A nearer end date (120 s, inside the 600 s lifetime) wins, and exp stops there.
    const near = new Date(Date.now() + 120_000).toISOString();
    await t.api('PUT', '/v1/groups/contract-near', { end_at: near });
    tokens = await login(user);
    claims = decodeJwtPart(tokens.access_token, 1);
    expect(claims.access_until).toBe(seconds(near));
    expect(claims.exp).toBe(seconds(near));
    expect(tokens.expires_in).toBe(claims.exp - claims.iat);
    expect(tokens.expires_in).toBeLessThanOrEqual(120);

    // Refreshed tokens are capped the same way.
    const refreshed = await refresh(tokens.refresh_token);
    expect(refreshed.status).toBe(200);
    const refreshedClaims = decodeJwtPart(refreshed.body.access_token, 1);
    expect(refreshedClaims.access_until).toBe(seconds(near));
    expect(refreshedClaims.exp).toBe(seconds(near));
    expect(refreshed.body.expires_in).toBe(refreshedClaims.exp - refreshedClaims.iat);
  });

  it('leaves access_until out for users without a pending end date', async () => {
    await t.api('PUT', '/v1/groups/permanent', { display_name: 'No end date' });
    const user = await t.createUser({ groups: ['permanent'] });
    const claims = decodeJwtPart((await login(user)).access_token, 1);
    expect(claims).not.toHaveProperty('access_until');
    expect(claims.exp).toBe(claims.iat + t.config.accessTokenTtlSeconds);
  });

  it('the guard rejects the token once access_until passes, and the session cannot refresh past it', async () => {
    const member = await t.createUser({ groups: ['contract-soon', 'staff'] });
    const colleague = await t.createUser({ groups: ['staff'] });
    const endAt = new Date(Date.now() + 2500);
    await t.api('PUT', '/v1/groups/contract-soon', { end_at: endAt.toISOString() });
    const tokens = await login(member);
    const colleagueTokens = await login(colleague);
    expect(decodeJwtPart(tokens.access_token, 1).access_until).toBe(Math.floor(endAt.getTime() / 1000));
    expect(await app.status(tokens.access_token)).toBe(200);

    await eventually(async () => (await app.status(tokens.access_token)) === 401, 6000, 100);
    expect(Date.now()).toBeGreaterThanOrEqual(Math.floor(endAt.getTime() / 1000) * 1000);
    expect(await app.status(colleagueTokens.access_token)).toBe(200);

    // Past the end date the session mints nothing, even before the schedule has ended the group.
    const refreshed = await refresh(tokens.refresh_token);
    expect(refreshed.status).toBe(400);
    expect(refreshed.body.error).toBe('invalid_grant');
    expect((await t.api('GET', '/v1/groups/contract-soon')).body.ended_at).toBeNull();

    // A new login no longer carries the lapsed group, nor its end date.
    const relogin = await login(member);
    const claims = decodeJwtPart(relogin.access_token, 1);
    expect(claims.groups).toEqual(['staff']);
    expect(claims).not.toHaveProperty('access_until');
    expect(await app.status(relogin.access_token)).toBe(200);
  });
});
