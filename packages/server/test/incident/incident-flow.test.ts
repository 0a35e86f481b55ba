import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startProtectedApp, type ProtectedApp } from '../support/protected-app.js';
import { freePort, startTestServer, totpCode, type TestServer } from '../support/test-server.js';
import { createUserWithEmail, nextSecond } from '../hooks/hook-client.js';
import { smsEndpoint, smtpListener, type SmsEndpoint, type SmtpListener } from './local-receivers.js';

const SMTP_PASSWORD = 'mail-pass-Zq81xv';
const ATTACKER_UA = 'Mozilla/5.0 (X11; Linux x86_64) EvilBrowser/6.6';

describe('the security-incident flow', () => {
  let t: TestServer;
  let app: ProtectedApp;
  let smtp: SmtpListener;
  let sms: SmsEndpoint;
  let counter = 0;

  const newUser = async () => {
    counter += 1;
    const username = `incident${counter}-${Date.now().toString(36)}`;
    return createUserWithEmail(t, { username, email: `${username}@example.com` });
  };
  const loginAs = async (user: { username: string; password: string }, userAgent = 'node', totp?: string) => {
    const response = await fetch(`${t.url}/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': userAgent },
      body: JSON.stringify({ username: user.username, password: user.password, ...(totp && { totp }) }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  };

  beforeAll(async () => {
    smtp = smtpListener(await freePort(), { user: 'cutoff', pass: SMTP_PASSWORD });
    await smtp.start();
    sms = await smsEndpoint();
    t = await startTestServer({
      config: {
        smtpUrl: `smtp://cutoff:${SMTP_PASSWORD}@127.0.0.1:${smtp.port}`,
        mailFrom: 'Acme Security <security@acme.test>',
        smsWebhookUrl: sms.url,
        outboxPollMs: 50,
        outboxRetryBaseMs: 50,
        outboxRetryMaxMs: 200,
        refreshGraceSeconds: 0,
      },
    });
    app = await startProtectedApp({ issuer: t.url, feedApiKey: await t.apiKey(['feed:read']) });
  });
  afterAll(async () => {
    // The server first: closing the app first lets its guard reconnect during the server's close.
    await t.close();
    await app.close();
    await smtp.stop();
    await sms.close();
  });

  it('revokes every session, requires MFA at the next login, and restores access after an MFA login', async () => {
    const user = await newUser();
    const first = await loginAs(user);
    const second = await loginAs(user, ATTACKER_UA);
    expect(await app.status(first.body.access_token)).toBe(200);

    const response = await t.api('POST', `/v1/users/${user.id}/incident`, {
      note: 'impossible travel, ticket SEC-9',
    });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      incident_id: expect.stringMatching(/^inc_/),
      user_id: user.id,
      mfa_required: true,
      revocation: { reason: 'security_incident', sessions_revoked: 2, refresh_tokens_revoked: 2 },
      notifications: [
        { channel: 'email', status: 'queued', id: expect.any(String), detail: null },
        { channel: 'sms', status: 'skipped', id: null, detail: 'no phone number was given' },
      ],
    });
    await eventually(async () => (await app.status(first.body.access_token)) === 401, 3000);
    expect(await app.status(second.body.access_token)).toBe(401);
    const refresh = await t.form('/oauth/token', {
      grant_type: 'refresh_token',
      refresh_token: second.body.refresh_token,
      client_id: 'cutoff',
    });
    expect(refresh.body.error).toBe('invalid_grant');
    const sessions = (await t.api('GET', `/v1/users/${user.id}/sessions`)).body.sessions;
    expect(sessions.map((session: any) => [session.status, session.revoked_reason])).toEqual([
      ['revoked', 'security_incident'],
      ['revoked', 'security_incident'],
    ]);

    // No TOTP enrolled: a password alone no longer logs in, with or without a made-up code.
    await nextSecond();
    const passwordOnly = await loginAs(user);
    expect(passwordOnly.status).toBe(401);
    expect(passwordOnly.body).toMatchObject({ error: 'mfa_required', code: 'ERR_MFA_REQUIRED' });
    expect(passwordOnly.body.message).toMatch(/enrol/);
    expect((await loginAs(user, 'node', '123456')).body.code).toBe('ERR_MFA_REQUIRED');
    expect((await t.api('GET', `/v1/users/${user.id}`)).body).toMatchObject({
      mfa_required: true,
      mfa_enrolled: false,
    });
    // Someone holding the password after the incident: recorded as an MFA failure each time.
    const mfaFailures = (await t.api('GET', `/v1/audit?action=login.mfa_failed&target=user:${user.id}`)).body
      .events as any[];
    expect(mfaFailures.map((event) => event.details.failure)).toEqual([
      'mfa_not_enrolled',
      'mfa_not_enrolled',
    ]);
    // An enrolment that is only started changes nothing: the account stays behind MFA.
    await t.api('POST', `/v1/users/${user.id}/totp`);
    expect((await loginAs(user)).body.code).toBe('ERR_MFA_REQUIRED');

    // The help desk enrols TOTP; the password still is not enough, the code is.
    const secret = await t.enrolTotp(user.id);
    expect((await loginAs(user)).body.code).toBe('ERR_MFA_REQUIRED');
    expect((await loginAs(user, 'node', '000000')).body.code).toBe('ERR_INVALID_CREDENTIALS');
    const mfa = await loginAs(user, 'node', totpCode(secret));
    expect(mfa.status).toBe(200);
    expect(await app.status(mfa.body.access_token)).toBe(200);
    expect((await t.api('GET', `/v1/users/${user.id}`)).body).toMatchObject({
      mfa_required: false,
      mfa_enrolled: true,
    });
    const [login] = (
      await t.api('GET', `/v1/audit?action=login.succeeded&target=user:${user.id}`)
    ).body.events.slice(-1);
    expect(login.details.amr).toEqual(['pwd', 'otp', 'mfa']);
  });

  it('an enrolled user must present the code after an incident', async () => {
    const user = await newUser();
    const secret = await t.enrolTotp(user.id);
    const before = await loginAs(user, 'node', totpCode(secret));
    expect(before.status).toBe(200);
    expect((await t.api('POST', `/v1/users/${user.id}/incident`, {})).status).toBe(200);
    await eventually(async () => (await app.status(before.body.access_token)) === 401, 3000);
    await nextSecond();
    expect((await loginAs(user)).body.code).toBe('ERR_MFA_REQUIRED');
    // The next step's code (inside the drift window): each code is good for one login only.
    const after = await loginAs(user, 'node', totpCode(secret, Date.now() + 30_000));
    expect(after.status).toBe(200);
    expect(await app.status(after.body.access_token)).toBe(200);
  });

  it('emails the user through the SMTP server: right recipient, what to do, and no secret', async () => {
    const user = await newUser();
    const session = await loginAs(user);
    const sent = smtp.messages.length;
    const response = await t.api('POST', `/v1/users/${user.id}/incident`, {
      note: 'internal: SOC ticket SEC-42',
    });
    await eventually(() => smtp.messages.length > sent, 5000);
    const mail = smtp.messages.at(-1)!;
    expect(mail.to).toEqual([`${user.username}@example.com`]);
    expect(mail.from).toBe('security@acme.test');
    expect(mail.user).toBe('cutoff');
    expect(mail.subject).toBe('You were signed out everywhere after suspicious activity');
    expect(mail.text).toContain(`Hello ${user.username},`);
    expect(mail.text).toContain('signed you out everywhere');
    expect(mail.text).toContain('one-time code');
    expect(mail.text).toContain(`Reference: ${response.body.incident_id}`);
    for (const secret of [
      user.password,
      session.body.access_token,
      session.body.refresh_token,
      session.body.session_id,
      SMTP_PASSWORD,
      'SEC-42',
      t.adminKey,
    ]) {
      expect(mail.raw, 'a secret leaked into the mail').not.toContain(secret);
    }
    const messageId = response.body.notifications[0].id;
    await eventually(async () => {
      const [message] = (await t.store.read((r) => r.outbox.list({ limit: 1000 }))).filter(
        (entry) => entry.id === messageId,
      );
      return message?.status === 'delivered';
    }, 3000);
    const delivered = (await t.api('GET', `/v1/audit?action=notification.delivered&target=user:${user.id}`))
      .body.events;
    expect(delivered).toHaveLength(1);
    expect(delivered[0]).toMatchObject({
      actor: { type: 'system', id: 'outbox' },
      details: { channel: 'email', message_id: messageId, incident_id: response.body.incident_id },
    });
  });

  it('texts the phone number the caller gives through the SMS endpoint', async () => {
    const user = await newUser();
    const response = await t.api('POST', `/v1/users/${user.id}/incident`, { phone: '+49 30 1234567' });
    expect(response.body.notifications[1]).toMatchObject({ channel: 'sms', status: 'queued' });
    await eventually(
      () => sms.received.some((message) => message.text.includes(response.body.incident_id)),
      5000,
    );
    const message = sms.received.find((entry) => entry.text.includes(response.body.incident_id))!;
    expect(message.to).toBe('+49 30 1234567');
    expect(message.text).toMatch(/signed out everywhere/);
    expect(message.authorization).toBe(`Basic ${Buffer.from('sms-user:sms-pass').toString('base64')}`);
    expect(message.text).not.toContain('sms-pass');
  });

  it('skips the email for a user without an address, and audits the incident with its notifications', async () => {
    const user = await t.createUser();
    const response = await t.api('POST', `/v1/users/${user.id}/incident`, { note: 'token theft' });
    expect(response.body.notifications[0]).toEqual({
      channel: 'email',
      status: 'skipped',
      id: null,
      detail: 'the user has no email address',
    });
    const [event] = (await t.api('GET', `/v1/audit?action=incident.recorded&target=user:${user.id}`)).body
      .events;
    expect(event).toMatchObject({
      actor: { type: 'admin', id: 'bootstrap' },
      reason: 'security_incident',
      details: {
        incident_id: response.body.incident_id,
        mfa_required: true,
        note: 'token theft',
        seq: response.body.revocation.seq,
      },
    });
    const [revoked] = (await t.api('GET', `/v1/audit?action=user.revoked&target=user:${user.id}`)).body
      .events;
    expect(revoked).toMatchObject({
      reason: 'security_incident',
      details: { incident_id: response.body.incident_id },
    });
  });

  it('answers 404 for an unknown user, 400 for a bad phone, 403 without the admin scope; nothing changes', async () => {
    const head = (await t.api('GET', '/v1/revocations?after=0')).body.head;
    expect((await t.api('POST', '/v1/users/usr_nope/incident', {})).status).toBe(404);
    const user = await newUser();
    expect((await t.api('POST', `/v1/users/${user.id}/incident`, { phone: 'call me' })).status).toBe(400);
    expect((await t.api('POST', `/v1/users/${user.id}/incident`, { extra: 1 })).status).toBe(400);
    const feedKey = await t.apiKey(['feed:read']);
    expect((await t.api('POST', `/v1/users/${user.id}/incident`, {}, feedKey)).status).toBe(403);
    expect((await t.api('GET', `/v1/users/${user.id}/investigation`, undefined, feedKey)).status).toBe(403);
    expect((await t.api('GET', '/v1/revocations?after=0')).body.head).toBe(head);
    expect((await t.api('GET', `/v1/users/${user.id}`)).body.mfa_required).toBe(false);
  });

  it('the investigation view lists the revoked sessions and the related events', async () => {
    const user = await newUser();
    await loginAs({ ...user, password: 'wrong password' }, ATTACKER_UA);
    const mine = await loginAs(user);
    const theirs = await loginAs(user, ATTACKER_UA);
    // The attacker's stolen refresh token is used after the rotation: reuse detection.
    const rotated = await t.form('/oauth/token', {
      grant_type: 'refresh_token',
      refresh_token: mine.body.refresh_token,
      client_id: 'cutoff',
    });
    expect(rotated.status).toBe(200);
    await t.form('/oauth/token', {
      grant_type: 'refresh_token',
      refresh_token: mine.body.refresh_token,
      client_id: 'cutoff',
    });
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await t.api('POST', `/v1/users/${user.id}/incident`, { note: 'suspicious' });

    const view = await t.api('GET', `/v1/users/${user.id}/investigation`);
    expect(view.status).toBe(200);
    expect(view.body.user).toMatchObject({ id: user.id, mfa_required: true });
    expect(view.body.active_sessions).toBe(0);
    expect(view.body.distinct_ips).toEqual(['127.0.0.1']);
    const sessions = view.body.revoked_sessions;
    expect(sessions).toHaveLength(2);
    const attacker = sessions.find((session: any) => session.id === theirs.body.session_id);
    expect(attacker).toMatchObject({
      ip: '127.0.0.1',
      user_agent: ATTACKER_UA,
      device_fingerprint: expect.stringMatching(/^[0-9a-f]{16}$/),
      client_id: 'cutoff',
      amr: ['pwd'],
      revoked_reason: 'security_incident',
      revoked_at: expect.any(String),
    });
    expect(attacker.duration_seconds).toBeGreaterThanOrEqual(1);
    expect(new Date(attacker.revoked_at).getTime()).toBeGreaterThan(new Date(attacker.created_at).getTime());
    const reused = sessions.find((session: any) => session.id === mine.body.session_id);
    expect(reused.revoked_reason).toBe('security_incident');
    expect(reused.device_fingerprint).not.toBe(attacker.device_fingerprint);

    const actions = view.body.events.map((event: any) => event.action);
    for (const action of [
      'login.failed',
      'refresh_token.reused',
      'session.revoked',
      'user.revoked',
      'incident.recorded',
    ])
      expect(actions, action).toContain(action);
    const seqs = view.body.events.map((event: any) => event.seq);
    expect(seqs).toEqual([...seqs].sort((a: number, b: number) => a - b));
    expect(JSON.stringify(view.body)).not.toContain(mine.body.refresh_token);
    const limited = await t.api('GET', `/v1/users/${user.id}/investigation?limit=2&sessions=1`);
    expect(limited.body.events.map((event: any) => event.action)).toEqual(actions.slice(-2));
    expect(limited.body.revoked_sessions).toHaveLength(1);
    expect((await t.api('GET', '/v1/users/usr_nope/investigation')).status).toBe(404);
  });
});
