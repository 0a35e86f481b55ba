import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, totpCode, wrongTotpCode, type TestServer } from '../support/test-server.js';

const loginFrom = (t: TestServer, body: Record<string, string>) =>
  fetch(`${t.url}/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'user-agent': 'StolenPassword/2.0' },
    body: JSON.stringify(body),
  });

/** A login with the right password and a missing or wrong code: the strongest sign of a stolen password. */
describe('login.mfa_failed', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ config: { loginMaxFailures: 3 } });
  });
  afterAll(() => t.close());

  const mfaFailures = async (userId: string): Promise<any[]> =>
    (await t.api('GET', `/v1/audit?action=login.mfa_failed&target=user:${userId}`)).body.events as any[];

  it('audits a right password with a missing, wrong or replayed code, with address and user agent, never the code', async () => {
    const user = await t.createUser();
    const secret = await t.enrolTotp(user.id);
    const missing = await loginFrom(t, { username: user.username, password: user.password });
    expect(missing.status).toBe(401);
    expect(((await missing.json()) as any).error).toBe('mfa_required');
    const wrongCode = wrongTotpCode(secret);
    const wrong = await loginFrom(t, { username: user.username, password: user.password, totp: wrongCode });
    expect(((await wrong.json()) as any).error).toBe('invalid_credentials');
    const goodCode = totpCode(secret);
    expect(
      (await loginFrom(t, { username: user.username, password: user.password, totp: goodCode })).status,
    ).toBe(200);
    const replayed = await loginFrom(t, { username: user.username, password: user.password, totp: goodCode });
    expect(replayed.status).toBe(401);

    const events = await mfaFailures(user.id);
    expect(events.map((event) => event.details.failure)).toEqual([
      'totp_missing',
      'totp_invalid',
      'totp_replayed',
    ]);
    for (const event of events) {
      expect(event).toMatchObject({
        actor: { type: 'user', id: user.id },
        target: { type: 'user', id: user.id },
        request: { ip: '127.0.0.1', user_agent: 'StolenPassword/2.0' },
        details: { client_id: 'cutoff' },
      });
      const text = JSON.stringify(event);
      expect(text).not.toContain(wrongCode);
      expect(text).not.toContain(goodCode);
    }
    // A wrong password is a plain failed login, not an MFA failure.
    await loginFrom(t, { username: user.username, password: 'not-the-password', totp: wrongCode });
    expect(await mfaFailures(user.id)).toHaveLength(3);
    // The incident investigation shows them.
    const view = await t.api('GET', `/v1/users/${user.id}/investigation`);
    expect(view.status).toBe(200);
    expect(
      (view.body.events as any[])
        .filter((event) => event.action === 'login.mfa_failed')
        .map((e) => e.details.failure),
    ).toEqual(['totp_missing', 'totp_invalid', 'totp_replayed']);
  });

  it('counts MFA failures in the rate limiter, a missing code too (mfa_required says the password is right)', async () => {
    const user = await t.createUser();
    const secret = await t.enrolTotp(user.id);
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const probe = await t.login(user.username, user.password);
      expect(probe.body.error).toBe('mfa_required');
    }
    // The limit is reached: even the right code waits now, and says how long.
    const blocked = await t.login(user.username, user.password, { totp: totpCode(secret) });
    expect(blocked.status).toBe(429);
    expect(blocked.body).toMatchObject({ error: 'rate_limited', code: 'ERR_RATE_LIMITED' });
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('a two-step login (password, then code) clears what its first step counted', async () => {
    const user = await t.createUser();
    const secret = await t.enrolTotp(user.id);
    expect((await t.login(user.username, user.password)).body.error).toBe('mfa_required');
    expect((await t.login(user.username, user.password, { totp: totpCode(secret) })).status).toBe(200);
    expect((await t.login(user.username, user.password)).body.error).toBe('mfa_required');
    expect((await t.login(user.username, user.password)).body.error).toBe('mfa_required');
    // Two failures since the success, under the limit of three: the next step's code logs in.
    const next = await t.login(user.username, user.password, { totp: totpCode(secret, Date.now() + 30_000) });
    expect(next.status).toBe(200);
  });
});
