import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createHttpSmsSender } from '../../src/adapters/notifications/http-sms-sender.js';
import { redactUrlCredentials } from '../../src/adapters/notifications/redact.js';
import { createSmtpEmailSender } from '../../src/adapters/notifications/smtp-email-sender.js';
import { createSqliteStore } from '../../src/adapters/storage/index.js';
import type { OutboxMessage } from '../../src/domain/records.js';
import { failureText, OutboxWorker, retryDelayMs } from '../../src/use-cases/notifications/outbox-worker.js';
import { eventually } from '../support/protected-app.js';
import { sqliteTestStores } from '../support/stores.js';
import { freePort, startTestServer, type TestServer } from '../support/test-server.js';
import { createUserWithEmail } from '../hooks/hook-client.js';
import { smsEndpoint, smtpListener } from './local-receivers.js';
import { ManualScheduler } from '../support/manual-scheduler.js';

const SMTP_PASSWORD = 'outbox-mail-pass-7Hq2';

const notificationConfig = (port: number) => ({
  smtpUrl: `smtp://cutoff:${SMTP_PASSWORD}@127.0.0.1:${port}`,
  mailFrom: 'security@acme.test',
  outboxPollMs: 30,
  outboxRetryBaseMs: 40,
  outboxRetryMaxMs: 120,
  outboxMaxAttempts: 1000,
});

const emailOf = async (t: TestServer, id: string): Promise<OutboxMessage | undefined> =>
  (await t.store.read((r) => r.outbox.list({ limit: 1000 }))).find((message) => message.id === id);

describe('the notification outbox: durable, retried with backoff, nothing lost', () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const step of cleanup.reverse()) await step();
  });

  it('keeps the email pending while the mail server is down, then delivers it once it is up', async () => {
    const smtp = smtpListener(await freePort(), { user: 'cutoff', pass: SMTP_PASSWORD });
    cleanup.push(() => smtp.stop());
    const t = await startTestServer({ config: notificationConfig(smtp.port) });
    cleanup.push(() => t.close());
    const user = await createUserWithEmail(t, { username: 'down-at-first', email: 'down@example.com' });
    const incident = await t.api('POST', `/v1/users/${user.id}/incident`, {});
    const id = incident.body.notifications[0].id as string;

    await eventually(async () => ((await emailOf(t, id))?.attempts ?? 0) >= 3, 5000);
    const failing = (await emailOf(t, id))!;
    expect(failing.status).toBe('pending');
    expect(failing.lastError).toMatch(/SMTP delivery failed: .*ECONNREFUSED/);
    expect(failing.lastError).not.toContain(SMTP_PASSWORD);
    expect(failing.lastError).not.toContain('cutoff:');
    // Backed off: the next attempt is scheduled after the last one, not immediately.
    expect(failing.nextAttemptAt.getTime()).toBeGreaterThan(failing.createdAt.getTime());

    await smtp.start();
    await eventually(async () => (await emailOf(t, id))?.status === 'delivered', 5000);
    expect(smtp.messages).toHaveLength(1);
    expect(smtp.messages[0]!.to).toEqual(['down@example.com']);
    expect(smtp.messages[0]!.text).toContain(incident.body.incident_id);
    const delivered = (await emailOf(t, id))!;
    // The attempt counted in `failing` may still have been connecting when the server came up,
    // and delivered: the count never goes down, and it took retries to get there.
    expect(delivered.attempts).toBeGreaterThanOrEqual(failing.attempts);
    expect(delivered.deliveredAt).not.toBeNull();
    const logs = t.logs.join('');
    expect(logs).not.toContain(SMTP_PASSWORD);
  });

  it('marks a message dead after its last attempt; an operator lists it and retries it once mail is back', async () => {
    const smtp = smtpListener(await freePort(), { user: 'cutoff', pass: SMTP_PASSWORD });
    cleanup.push(() => smtp.stop());
    const t = await startTestServer({ config: { ...notificationConfig(smtp.port), outboxMaxAttempts: 2 } });
    cleanup.push(() => t.close());
    const user = await createUserWithEmail(t, { username: 'dead-letter', email: 'dead@example.com' });
    const id = (await t.api('POST', `/v1/users/${user.id}/incident`, {})).body.notifications[0].id as string;
    await eventually(async () => (await emailOf(t, id))?.status === 'dead', 5000);

    const dead = (await t.api('GET', '/v1/outbox?status=dead')).body.messages;
    expect(dead).toEqual([
      expect.objectContaining({ id, kind: 'email', to: 'dead@example.com', status: 'dead', attempts: 2 }),
    ]);
    expect(dead[0].last_error).toMatch(/SMTP delivery failed/);
    expect(JSON.stringify(dead)).not.toContain(SMTP_PASSWORD);
    expect((await t.api('GET', '/v1/outbox?status=pending')).body.messages).toEqual([]);
    // Operators only; a feed key cannot see or retry notifications.
    const feedKey = await t.apiKey(['feed:read']);
    expect((await t.api('GET', '/v1/outbox', undefined, feedKey)).status).toBe(403);
    expect((await t.api('POST', `/v1/outbox/${id}/retry`, undefined, feedKey)).status).toBe(403);

    await smtp.start();
    const retried = await t.api('POST', `/v1/outbox/${id}/retry`);
    expect(retried.status).toBe(200);
    expect(retried.body).toMatchObject({ id, status: 'pending', attempts: 0 });
    await eventually(async () => (await emailOf(t, id))?.status === 'delivered', 5000);
    expect(smtp.messages.map((mail) => mail.to)).toEqual([['dead@example.com']]);

    const again = await t.api('POST', `/v1/outbox/${id}/retry`);
    expect(again.status).toBe(409);
    expect(again.body.message).toContain('delivered');
    expect((await t.api('POST', '/v1/outbox/msg_unknown/retry')).status).toBe(404);
    const audit = (await t.api('GET', '/v1/audit?action=outbox.retried')).body.events;
    expect(audit).toEqual([
      expect.objectContaining({
        target: { type: 'outbox_message', id },
        details: expect.objectContaining({ attempts: 2 }),
      }),
    ]);
  });

  it('loses nothing across a restart: a new server on the same SQLite file delivers what the old one could not', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'cutoff-outbox-'));
    cleanup.push(() => rm(directory, { recursive: true, force: true }));
    const filename = join(directory, 'cutoff.db');
    const smtp = smtpListener(await freePort(), { user: 'cutoff', pass: SMTP_PASSWORD });
    cleanup.push(() => smtp.stop());
    const sms = await smsEndpoint();
    cleanup.push(() => sms.close());
    sms.status = 503;
    const config = { ...notificationConfig(smtp.port), smsWebhookUrl: sms.url };

    const first = await startTestServer({ store: createSqliteStore({ filename }), config });
    const user = await createUserWithEmail(first, { username: 'restart', email: 'restart@example.com' });
    const incident = await first.api('POST', `/v1/users/${user.id}/incident`, { phone: '+1 555 0100' });
    const [emailId, smsId] = incident.body.notifications.map(
      (notification: { id: string }) => notification.id,
    );
    await eventually(async () => {
      const messages = await first.store.read((r) => r.outbox.list({ limit: 1000 }));
      return messages.length === 2 && messages.every((message) => message.attempts >= 1);
    }, 5000);
    await first.close();

    // Both channels come back while the server is down; the new process picks the messages up.
    await smtp.start();
    sms.status = 200;
    const second = await startTestServer({ store: createSqliteStore({ filename }), config });
    cleanup.push(() => second.close());
    await eventually(async () => {
      const messages = await second.store.read((r) => r.outbox.list({ limit: 1000 }));
      return messages.length === 2 && messages.every((message) => message.status === 'delivered');
    }, 5000);
    expect(smtp.messages.map((mail) => mail.to)).toEqual([['restart@example.com']]);
    expect(sms.received.map((message) => message.to)).toEqual(['+1 555 0100']);
    const delivered = (
      await second.api('GET', `/v1/audit?action=notification.delivered&target=user:${user.id}`)
    ).body.events;
    expect(delivered.map((event: any) => event.details.message_id).sort()).toEqual([emailId, smsId].sort());
    expect((await second.api('GET', '/v1/audit/verify')).body.ok).toBe(true);
  });

  it('gives up after the last attempt (dead, audited) and never stores a credential in the error', async () => {
    const stores = sqliteTestStores();
    cleanup.push(() => stores.dispose());
    const store = await stores.create();
    const sms = await smsEndpoint();
    cleanup.push(() => sms.close());
    sms.status = 503;
    let now = Date.parse('2026-11-22T10:00:00Z');
    const clock = { now: () => new Date(now) };
    const message = (id: string, kind: string): OutboxMessage => ({
      id,
      kind,
      payload: { to: '+1 555 0101', text: 'hello', user_id: 'usr_dead' },
      status: 'pending',
      attempts: 0,
      nextAttemptAt: new Date(now),
      lastError: null,
      createdAt: new Date(now),
      deliveredAt: null,
    });
    await store.transaction((tx) => tx.outbox.enqueue(message('msg_503', 'sms')));
    await store.transaction((tx) => tx.outbox.enqueue(message('msg_unknown_kind', 'pager')));
    const closedPort = await freePort();
    await store.transaction((tx) => tx.outbox.enqueue(message('msg_unreachable', 'sms_down')));
    const errors: unknown[] = [];
    const worker = new OutboxWorker({
      store,
      clock,
      senders: {
        sms: createHttpSmsSender({ url: sms.url }),
        sms_down: createHttpSmsSender({
          url: `http://gw-user:gw-secret-pass@127.0.0.1:${closedPort}/send?token=tok-secret-123`,
        }),
      },
      pollMs: 1000,
      // Never started: the test runs the rounds itself.
      scheduler: new ManualScheduler(),
      retryBaseMs: 1000,
      retryMaxMs: 4000,
      maxAttempts: 3,
      onError: (error) => errors.push(error),
    });
    const delays: number[] = [];
    for (let round = 0; round < 3; round += 1) {
      expect(await worker.runOnce()).toBe(3);
      const [first] = (await store.read((r) => r.outbox.list({ limit: 10 }))).filter(
        (entry) => entry.id === 'msg_503',
      );
      delays.push(first!.nextAttemptAt.getTime() - now);
      expect(await worker.runOnce()).toBe(0); // not due yet: backing off
      now += 10_000;
    }
    expect(delays.slice(0, 2)).toEqual([1000, 2000]);
    expect(errors).toEqual([]);
    const byId = new Map(
      (await store.read((r) => r.outbox.list({ limit: 10 }))).map((entry) => [entry.id, entry]),
    );
    expect(byId.get('msg_503')).toMatchObject({
      status: 'dead',
      attempts: 3,
      lastError: 'SMS endpoint answered HTTP 503',
    });
    expect(byId.get('msg_unknown_kind')).toMatchObject({
      status: 'dead',
      lastError: 'no sender is configured for pager notifications',
    });
    expect(byId.get('msg_unreachable')).toMatchObject({ status: 'dead' });
    expect(byId.get('msg_unreachable')!.lastError).toMatch(/^SMS endpoint unreachable: ECONNREFUSED/);
    expect(await worker.runOnce()).toBe(0);
    const failed = await store.read((r) => r.audit.list({ action: 'notification.failed', limit: 10 }));
    expect(failed).toHaveLength(3);
    expect(failed[0]).toMatchObject({
      actor: { type: 'system', id: 'outbox' },
      target: { type: 'user', id: 'usr_dead' },
    });
    const everything = JSON.stringify([...byId.values(), ...failed]);
    for (const secret of ['gw-secret-pass', 'tok-secret-123', 'gw-user'])
      expect(everything).not.toContain(secret);
    expect(sms.received).toEqual([]);
  });

  it('an SMTP server refusing the credentials is a failure whose text holds no credential', async () => {
    const smtp = smtpListener(await freePort(), { user: 'cutoff', pass: 'the-right-password' });
    cleanup.push(() => smtp.stop());
    await smtp.start();
    const url = `smtp://cutoff:${SMTP_PASSWORD}@127.0.0.1:${smtp.port}`;
    const sender = createSmtpEmailSender({ url, from: 'security@acme.test' });
    const error = await sender.send({ to: 'x@example.com', subject: 's', text: 't' }).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    sender.close?.();
    expect(error).toBeInstanceOf(Error);
    const text = failureText(error);
    expect(text).toMatch(/^SMTP delivery failed: .*(Invalid|auth)/i);
    expect(text).not.toContain(SMTP_PASSWORD);
    expect(smtp.messages).toEqual([]);
  });

  it('retry delays double from the base and stop at the cap; credentials in URLs are redacted', () => {
    expect([1, 2, 3, 4, 9, 10, 50].map((attempts) => retryDelayMs(attempts, 1000, 300_000))).toEqual([
      1000, 2000, 4000, 8000, 256_000, 300_000, 300_000,
    ]);
    expect(failureText(new Error('connect to https://user:p4ss@host/x failed'))).toBe(
      'connect to https://[redacted]@host/x failed',
    );
    expect(failureText('x'.repeat(2000))).toHaveLength(500);
    const url = 'smtp://mailer:s%40cret-pass@mail.example.com:587';
    expect(redactUrlCredentials(`failed for ${url}: user mailer, pass s@cret-pass`, url)).toBe(
      'failed for [redacted]: user [redacted], pass [redacted]',
    );
  });
});
