import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresTestsSkipped, TEST_BACKENDS } from '../support/stores.js';
import {
  decodeJwtPart,
  startTestServer,
  totpCode,
  wrongTotpCode,
  type TestServer,
} from '../support/test-server.js';

/**
 * MFA becomes mandatory only once the user has shown they can produce a code: an enrolment stays
 * pending, and login unchanged, until a first valid code confirms it.
 */
describe.each(TEST_BACKENDS)('TOTP enrolment confirmation (%s)', (backend) => {
  const skipped = backend === 'postgres' && postgresTestsSkipped();
  let t: TestServer;
  beforeAll(async () => {
    if (!skipped) t = await startTestServer({ backend });
  });
  afterAll(async () => {
    await t?.close();
  });

  const enrol = async (userId: string): Promise<string> => {
    const response = await t.api('POST', `/v1/users/${userId}/totp`);
    expect(response.status).toBe(201);
    return response.body.secret as string;
  };
  const confirm = (userId: string, code: string) =>
    t.api('POST', `/v1/users/${userId}/totp/confirm`, { code });
  const actions = async (userId: string): Promise<string[]> =>
    ((await t.api('GET', `/v1/audit?target=user:${userId}&limit=100`)).body.events as any[])
      .map((event) => event.action as string)
      .filter((action) => action.startsWith('totp.'));

  it.skipIf(skipped)(
    'a pending enrolment changes nothing at login; a wrong code leaves it pending',
    async () => {
      const user = await t.createUser();
      const secret = await enrol(user.id);
      expect((await t.api('GET', `/v1/users/${user.id}`)).body).toMatchObject({
        mfa_enrolled: false,
        mfa_pending: true,
      });
      const login = await t.login(user.username, user.password);
      expect(login.status).toBe(200);
      expect(decodeJwtPart(login.body.access_token, 1).amr).toEqual(['pwd']);

      const wrong = await confirm(user.id, wrongTotpCode(secret));
      expect(wrong.status).toBe(400);
      expect(wrong.body).toMatchObject({ code: 'ERR_TOTP_CODE_INVALID', error: 'invalid_totp_code' });
      expect(wrong.body.message).toMatch(/authenticator app/);
      expect((await t.api('GET', `/v1/users/${user.id}`)).body).toMatchObject({
        mfa_enrolled: false,
        mfa_pending: true,
      });
      expect((await t.login(user.username, user.password)).status).toBe(200);
      expect(await actions(user.id)).toEqual(['totp.enrolment_started', 'totp.confirmation_failed']);
    },
  );

  it.skipIf(skipped)(
    'a first valid code confirms it: every login then needs a code, and that code is used up',
    async () => {
      const user = await t.createUser();
      const secret = await enrol(user.id);
      const code = totpCode(secret);
      const confirmed = await confirm(user.id, code);
      expect(confirmed.status).toBe(200);
      expect(confirmed.body).toMatchObject({ id: user.id, mfa_enrolled: true, mfa_pending: false });
      expect(await actions(user.id)).toEqual(['totp.enrolment_started', 'totp.enrolled']);

      expect((await t.login(user.username, user.password)).body.error).toBe('mfa_required');
      // The confirming code cannot also log in: codes are single-use.
      const reused = await t.login(user.username, user.password, { totp: code });
      expect(reused.status).toBe(401);
      expect(reused.body.error).toBe('invalid_credentials');
      const next = await t.login(user.username, user.password, {
        totp: totpCode(secret, Date.now() + 30_000),
      });
      expect(next.status).toBe(200);
      expect(decodeJwtPart(next.body.access_token, 1).amr).toEqual(['pwd', 'otp', 'mfa']);

      // Nothing is pending any more.
      const again = await confirm(user.id, totpCode(secret, Date.now() + 30_000));
      expect(again.status).toBe(409);
      expect(again.body.code).toBe('ERR_TOTP_NOT_PENDING');
    },
  );

  it.skipIf(skipped)('enrolling again while pending replaces the pending secret', async () => {
    const user = await t.createUser();
    const first = await enrol(user.id);
    const second = await enrol(user.id);
    expect(second).not.toBe(first);
    const stale = await confirm(user.id, totpCode(first));
    if (totpCode(first) !== totpCode(second)) expect(stale.status).toBe(400);
    expect((await confirm(user.id, totpCode(second))).status).toBe(200);
    const events = ((await t.api('GET', `/v1/audit?target=user:${user.id}&action=totp.enrolment_started`))
      .body.events ?? []) as any[];
    expect(events.map((event) => event.details.replaced_pending)).toEqual([false, true]);
  });

  it.skipIf(skipped)(
    're-enrolling an enrolled user keeps the current secret working until the new one is confirmed',
    async () => {
      const user = await t.createUser();
      const current = await t.enrolTotp(user.id);
      const replacement = await enrol(user.id);
      expect((await t.api('GET', `/v1/users/${user.id}`)).body).toMatchObject({
        mfa_enrolled: true,
        mfa_pending: true,
      });
      expect((await t.login(user.username, user.password, { totp: totpCode(current) })).status).toBe(200);
      expect((await confirm(user.id, totpCode(replacement))).status).toBe(200);
      const old = await t.login(user.username, user.password, {
        totp: totpCode(current, Date.now() + 30_000),
      });
      if (totpCode(current, Date.now() + 30_000) !== totpCode(replacement, Date.now() + 30_000))
        expect(old.status).toBe(401);
      expect(
        (await t.login(user.username, user.password, { totp: totpCode(replacement, Date.now() + 30_000) }))
          .status,
      ).toBe(200);
    },
  );

  it.skipIf(skipped)('answers bad input with clear errors: 401 before parsing, 400, 404, 409', async () => {
    const user = await t.createUser();
    const unauthenticated = await t.api(
      'POST',
      `/v1/users/${user.id}/totp/confirm`,
      { nonsense: true },
      null,
    );
    expect(unauthenticated.status).toBe(401);
    const malformed = await fetch(`${t.url}/v1/users/${user.id}/totp/confirm`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"code": ',
    });
    expect(malformed.status).toBe(401);
    for (const body of [
      {},
      { code: '12ab56' },
      { code: '1234567' },
      { code: 123456 },
      { code: '123456', x: 1 },
    ]) {
      const response = await t.api('POST', `/v1/users/${user.id}/totp/confirm`, body);
      expect(response.status).toBe(400);
      expect(response.body.code).toBe('ERR_VALIDATION');
    }
    expect((await confirm('usr_nobody', '123456')).status).toBe(404);
    const nothingPending = await confirm(user.id, '123456');
    expect(nothingPending.status).toBe(409);
    expect(nothingPending.body).toMatchObject({
      code: 'ERR_TOTP_NOT_PENDING',
      error: 'no_pending_enrolment',
    });
    expect(await actions(user.id)).toEqual([]);
  });
});
