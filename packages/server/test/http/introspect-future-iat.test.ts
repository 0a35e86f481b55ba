import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CLOCK_TOLERANCE_SECONDS } from '@cutoff/guard/rule';
import { startProtectedApp, type ProtectedApp } from '../support/protected-app.js';
import { decodeJwtPart, startTestServer, type TestServer } from '../support/test-server.js';

/*
 * A correctly signed token whose `iat` lies in the future escapes every watermark (`iat <= at`).
 * The guard refuses it; introspection must refuse it too, with the same allowance. The server's
 * clock is stepped forward to mint such tokens, then back, as a replica with a fast clock would.
 */
describe('introspection applies the guard rule to a future iat', () => {
  let offsetMs = 0;
  let t: TestServer;
  let app: ProtectedApp | undefined;
  let key: string;

  const mintAt = async (secondsAhead: number): Promise<{ token: string; userId: string }> => {
    const user = await t.createUser();
    offsetMs = secondsAhead * 1000;
    try {
      const token = (await t.login(user.username, user.password)).body.access_token as string;
      return { token, userId: user.id };
    } finally {
      offsetMs = 0;
    }
  };
  const introspect = async (token: string) =>
    (await t.form('/oauth/introspect', { token }, { authorization: `Bearer ${key}` })).body;

  beforeAll(async () => {
    t = await startTestServer({ clock: { now: () => new Date(Date.now() + offsetMs) } });
    key = await t.apiKey(['feed:read', 'introspect']);
  });
  afterAll(async () => {
    await app?.close();
    await t.close();
  });

  it('is inactive beyond the allowance, and stays inactive when its user is revoked', async () => {
    const ahead = await mintAt(120);
    const nowSeconds = Math.floor(Date.now() / 1000);
    expect(decodeJwtPart(ahead.token, 1).iat).toBeGreaterThan(nowSeconds + DEFAULT_CLOCK_TOLERANCE_SECONDS);
    expect(await introspect(ahead.token)).toEqual({ active: false });
    await t.api('POST', '/v1/revocations', { target: { type: 'user', id: ahead.userId }, reason: 'manual' });
    expect(await introspect(ahead.token)).toEqual({ active: false });

    // The guard, started on the corrected clock, refuses the same token.
    app = await startProtectedApp({ issuer: t.url, feedApiKey: key });
    await expect(app.guard.verify(ahead.token)).rejects.toMatchObject({
      code: 'ERR_TOKEN_INVALID',
      detail: '"iat" is in the future',
    });
  });

  it('is active within the allowance, on both sides', async () => {
    const within = await mintAt(DEFAULT_CLOCK_TOLERANCE_SECONDS - 3);
    expect(await introspect(within.token)).toMatchObject({ active: true, sub: within.userId });
    app ??= await startProtectedApp({ issuer: t.url, feedApiKey: key });
    await expect(app.guard.verify(within.token)).resolves.toMatchObject({ claims: { sub: within.userId } });
  });
});
