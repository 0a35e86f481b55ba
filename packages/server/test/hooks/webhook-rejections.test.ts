import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startProtectedApp, type ProtectedApp } from '../support/protected-app.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { nowSeconds, postHook, signatureFor, writeHooksFile } from './hook-client.js';

const SECRET = 'hr-secret-0123456789abcdef';
const OTHER_SECRET = 'another-secret-0123456789';

describe('POST /v1/hooks/{source}: every rejection is a 401 that changes nothing', () => {
  let t: TestServer;
  let app: ProtectedApp;
  let victim: { id: string; username: string; password: string };
  let token: string;

  const termination = (eventId: string) => ({
    event_id: eventId,
    type: 'worker.terminated',
    worker: { username: victim.username },
  });

  /** The state a rejected webhook must leave alone: feed head, sessions, audit length. */
  const snapshot = async () => ({
    head: (await t.api('GET', '/v1/revocations?after=0')).body.head as number,
    sessions: (
      (await t.api('GET', `/v1/users/${victim.id}/sessions`)).body.sessions as { status: string }[]
    ).map((session) => session.status),
    audit: ((await t.api('GET', '/v1/audit?limit=1000')).body.events as unknown[]).length,
    active: (await t.api('GET', `/v1/users/${victim.id}`)).body.active as boolean,
  });

  beforeAll(async () => {
    const hooksFile = writeHooksFile({
      hr: {
        secret: SECRET,
        eventId: { path: 'event_id' },
        events: [
          {
            name: 'termination',
            when: { path: 'type', equals: 'worker.terminated' },
            action: 'revoke_user',
            user: { path: 'worker.username', by: 'username' },
            deactivate: true,
          },
        ],
      },
    });
    t = await startTestServer({ config: { hooksFile } });
    app = await startProtectedApp({ issuer: t.url, feedApiKey: await t.apiKey(['feed:read']) });
    victim = await t.createUser();
    token = (await t.login(victim.username, victim.password)).body.access_token;
    await t.login(victim.username, victim.password);
  });
  afterAll(async () => {
    // The server first: closing the app first lets its guard reconnect during the server's close.
    await t.close();
    await app.close();
  });

  it('refuses unsigned, badly signed, stale, future-dated and unknown-source deliveries', async () => {
    const before = await snapshot();
    expect(before.sessions).toEqual(['active', 'active']);
    const body = JSON.stringify(termination('evt-1'));
    const now = nowSeconds();
    const good = signatureFor(SECRET, now, body);
    const cases: [string, () => ReturnType<typeof postHook>, RegExp][] = [
      ['missing header', () => postHook(t, 'hr', body, { header: null }), /missing/],
      ['empty header', () => postHook(t, 'hr', body, { header: '' }), /missing/],
      ['no timestamp', () => postHook(t, 'hr', body, { header: `v1=${good}` }), /malformed/],
      ['no v1', () => postHook(t, 'hr', body, { header: `t=${now}` }), /malformed/],
      ['garbage', () => postHook(t, 'hr', body, { header: 'sha256=abc' }), /malformed/],
      ['short hex', () => postHook(t, 'hr', body, { header: `t=${now},v1=${good.slice(2)}` }), /malformed/],
      ['non-hex', () => postHook(t, 'hr', body, { header: `t=${now},v1=${'z'.repeat(64)}` }), /malformed/],
      [
        'two timestamps',
        () => postHook(t, 'hr', body, { header: `t=${now},t=${now},v1=${good}` }),
        /malformed/,
      ],
      ['wrong secret', () => postHook(t, 'hr', body, { secret: OTHER_SECRET }), /No signature matches/],
      [
        'signature over another body',
        () =>
          postHook(t, 'hr', body, {
            header: `t=${now},v1=${signatureFor(SECRET, now, JSON.stringify(termination('evt-2')))}`,
          }),
        /No signature matches/,
      ],
      [
        'signature with another timestamp',
        () => postHook(t, 'hr', body, { header: `t=${now + 1},v1=${good}` }),
        /No signature matches/,
      ],
      [
        // Taken at send time and 2 s past the tolerance, so a second boundary during the test
        // cannot bring the timestamp back inside it.
        'stale by 5 min + 2 s',
        () => postHook(t, 'hr', body, { secret: SECRET, timestamp: nowSeconds() - 302 }),
        /seconds away/,
      ],
      [
        'future by 5 min + 2 s',
        () => postHook(t, 'hr', body, { secret: SECRET, timestamp: nowSeconds() + 302 }),
        /seconds away/,
      ],
      ['unknown source', () => postHook(t, 'payroll', body, { secret: SECRET }), /Unknown webhook source/],
      [
        'unknown source, no header',
        () => postHook(t, 'payroll', body, { header: null }),
        /Unknown webhook source/,
      ],
    ];
    for (const [name, send, message] of cases) {
      const response = await send();
      expect(response.status, name).toBe(401);
      expect(response.body, name).toMatchObject({
        error: 'invalid_signature',
        code: 'ERR_WEBHOOK_SIGNATURE',
        request_id: expect.any(String),
      });
      expect(response.body.message, name).toMatch(message);
      expect(JSON.stringify(response.body), name).not.toContain(SECRET);
    }
    expect(await snapshot()).toEqual(before);
    expect(await app.status(token)).toBe(200);
  });

  it('accepts a timestamp 4 minutes off either way, and one of several v1 signatures (rotation)', async () => {
    const now = nowSeconds();
    const ignored = { event_id: 'evt-tolerance-past', type: 'something.else' };
    const past = await postHook(t, 'hr', ignored, { secret: SECRET, timestamp: now - 240 });
    expect(past.status).toBe(202);
    const future = { event_id: 'evt-tolerance-future', type: 'something.else' };
    expect((await postHook(t, 'hr', future, { secret: SECRET, timestamp: now + 240 })).status).toBe(202);
    const rotated = JSON.stringify({ event_id: 'evt-rotation', type: 'something.else' });
    const header = `t=${now},v1=${signatureFor(OTHER_SECRET, now, rotated)},v1=${signatureFor(SECRET, now, rotated)}`;
    const response = await postHook(t, 'hr', rotated, { header });
    expect(response.status).toBe(202);
    expect(response.body).toEqual({
      matched: false,
      source: 'hr',
      event_id: 'evt-rotation',
      detail: 'no mapping matched',
    });
  });

  it('refuses a replayed event id with 401, whether resent as is or re-signed, and applies nothing again', async () => {
    const body = JSON.stringify(termination('evt-replay'));
    const now = nowSeconds();
    const header = `t=${now},v1=${signatureFor(SECRET, now, body)}`;
    const first = await postHook(t, 'hr', body, { header });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      matched: true,
      applied: true,
      action: 'revoke_user',
      mapping: 'termination',
      user_id: victim.id,
      deactivated: true,
      revocation: { reason: 'offboarding', sessions_revoked: 2 },
    });
    await eventually(async () => (await app.status(token)) === 401, 3000);

    // Reactivate and log in again: a replay must not cut this new session.
    await t.api('PATCH', `/v1/users/${victim.id}`, { active: true });
    await new Promise((resolve) => setTimeout(resolve, 1000 - (Date.now() % 1000) + 20));
    const fresh = (await t.login(victim.username, victim.password)).body.access_token as string;
    const before = await snapshot();

    const resent = await postHook(t, 'hr', body, { header });
    const resigned = await postHook(t, 'hr', body, { secret: SECRET, timestamp: nowSeconds() + 1 });
    for (const response of [resent, resigned]) {
      expect(response.status).toBe(401);
      expect(response.body).toMatchObject({ error: 'replayed_event', code: 'ERR_WEBHOOK_REPLAY' });
    }
    expect(await snapshot()).toEqual(before);
    expect(before.active).toBe(true);
    expect(await app.status(fresh)).toBe(200);
  });

  it('answers 400 for a validly signed body that is not JSON or lacks the event id, and records nothing', async () => {
    const before = await snapshot();
    const notJson = await postHook(t, 'hr', 'not json', { secret: SECRET, contentType: 'text/plain' });
    expect(notJson.status).toBe(400);
    expect(notJson.body.code).toBe('ERR_VALIDATION');
    const noId = await postHook(t, 'hr', { type: 'worker.terminated' }, { secret: SECRET });
    expect(noId.status).toBe(400);
    expect(noId.body.message).toMatch(/event id at event_id/);
    const noUser = await postHook(
      t,
      'hr',
      { event_id: 'evt-no-user', type: 'worker.terminated' },
      { secret: SECRET },
    );
    expect(noUser.status).toBe(400);
    expect(noUser.body.message).toMatch(/termination.*no user at worker.username/);
    expect(await snapshot()).toEqual(before);
    // Nothing was recorded for the 400: the corrected event is accepted with the same id.
    const fixed = await postHook(
      t,
      'hr',
      { event_id: 'evt-no-user', type: 'worker.terminated', worker: { username: 'nobody-here' } },
      { secret: SECRET },
    );
    expect(fixed.status).toBe(202);
    expect(fixed.body).toMatchObject({ matched: true, applied: false, detail: 'user not found' });
  });

  it('refuses bodies over 256 KiB', async () => {
    const body = JSON.stringify({ event_id: 'evt-big', type: 'x', pad: 'x'.repeat(300 * 1024) });
    const response = await postHook(t, 'hr', body, { secret: SECRET });
    expect(response.status).toBe(413);
    expect(response.body.code).toBe('ERR_PAYLOAD_TOO_LARGE');
  });

  it('counts webhooks accepted and rejected by configured source, unknown sources under one label', async () => {
    await postHook(t, 'no-such-source', termination('evt-metrics'), { secret: SECRET });
    const metrics = await fetch(`${t.url}/metrics`).then((response) => response.text());
    const count = (labels: string): number =>
      Number(new RegExp(`^cutoff_webhooks_total\\{${labels}\\} (\\d+)$`, 'm').exec(metrics)?.[1] ?? 0);
    expect(count('source="hr",result="rejected"')).toBeGreaterThanOrEqual(10);
    expect(count('source="hr",result="accepted"')).toBeGreaterThanOrEqual(1);
    expect(count('source="unknown",result="rejected"')).toBeGreaterThanOrEqual(1);
    expect(metrics).not.toContain('no-such-source');
  });

  it('writes neither the secret nor the signature to the log', () => {
    const logs = t.logs.join('');
    expect(logs).not.toContain(SECRET);
    expect(logs).not.toMatch(/v1=[0-9a-f]{64}/);
  });
});
