import { afterEach, describe, expect, it } from 'vitest';
import { ManualScheduler } from '../support/manual-scheduler.js';
import { freePort, startTestServer, type TestServer } from '../support/test-server.js';
import { createWebhookReceiver, webhookSecret, type WebhookReceiver } from '../support/webhook-receiver.js';

/** Real time plus a skip the test controls, so backoff waits pass without sleeping. */
const skippingClock = () => {
  let skipMs = 0;
  return { now: () => new Date(Date.now() + skipMs), skip: (ms: number) => (skipMs += ms) };
};

/** Every first-seen event's seq is one more than the previous one: in order and gap-free from 1. */
const expectInOrderFromOne = (receiver: WebhookReceiver, head: number): void => {
  expect(receiver.deduped.map((event) => event.data['seq'])).toEqual(
    Array.from({ length: head }, (_, i) => i + 1),
  );
};

describe('http destination: an outage, then 500s, then recovery', () => {
  let server: TestServer | undefined;
  let receiver: WebhookReceiver | undefined;
  afterEach(async () => {
    await receiver?.stop();
    await server?.close();
  });

  it('delivers every audit seq in order, once to a consumer that dedupes by id, signed per Standard Webhooks', async () => {
    const clock = skippingClock();
    const scheduler = new ManualScheduler();
    server = await startTestServer({ clock, scheduler, config: { destinationPollMs: 1000 } });
    const worker = server.server.deliveries;
    const secret = webhookSecret();
    receiver = createWebhookReceiver(await freePort(), secret);
    for (let i = 0; i < 5; i += 1) await server.createUser();

    // Down: nothing listens on the port.
    const put = await server.api('PUT', '/v1/destinations/siem', {
      type: 'http',
      url: receiver.url,
      secret,
      batch_size: 3,
      timeout_ms: 2000,
    });
    expect(put.status).toBe(201);
    expect(JSON.stringify(put.body)).not.toContain(secret);
    expect(put.body.secret_fields).toEqual(['secret']);
    await worker.idle();
    let status = (await server.api('GET', '/v1/destinations/siem')).body.status;
    expect(status.delivered_seq).toBe(0);
    expect(status.attempts).toBe(1);
    expect(status.last_error).toMatch(/^POST http:\/\/127\.0\.0\.1:\d+ failed/);
    expect(status.lag_events).toBe(status.head_seq);
    expect(status.lease_holder).toBe(worker.holder);

    // Up, but failing after it has read (and kept) the batch: the engine must send it again.
    await receiver.start();
    receiver.behaviour = { status: 500 };
    for (let attempt = 2; attempt <= 4; attempt += 1) {
      clock.skip(10 * 60_000);
      await worker.runNow();
      status = (await server.api('GET', '/v1/destinations/siem')).body.status;
      expect(status.attempts).toBe(attempt);
      expect(status.last_error).toMatch(/answered 500$/);
      expect(status.delivered_seq).toBe(0);
    }
    expect(receiver.raw.length).toBeGreaterThanOrEqual(9);

    // Back: the backlog drains in batches of 3, and new commits arrive without a tick.
    receiver.behaviour = { status: 200 };
    clock.skip(10 * 60_000);
    await worker.runNow();
    await worker.idle();
    await server.createUser();
    // A revocation wakes the worker the moment it commits: no tick is run here.
    const revoked = await server.api('POST', '/v1/revocations', {
      target: { type: 'user', id: (await server.createUser()).id },
      reason: 'offboarding',
    });
    expect(revoked.status).toBe(201);
    const head = (await server.api('GET', '/v1/destinations/siem')).body.status.head_seq as number;
    await receiver.waitForSeq(head);
    await worker.idle();

    expectInOrderFromOne(receiver, head);
    expect(receiver.raw.length).toBeGreaterThan(receiver.deduped.length);
    expect(receiver.badSignatures).toBe(0);
    expect(receiver.deduped.every((event) => event.id === `siem:${event.data['seq']}`)).toBe(true);
    // The chain links travel with each event, so the copy is checkable on its own.
    for (const [index, event] of receiver.deduped.entries())
      if (index > 0) expect(event.data['prev_hash']).toBe(receiver.deduped[index - 1]?.data['hash']);
    status = (await server.api('GET', '/v1/destinations/siem')).body.status;
    expect(status).toMatchObject({
      delivered_seq: head,
      lag_events: 0,
      lag_seconds: 0,
      attempts: 0,
      last_error: null,
    });
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toContain(`cutoff_destination_delivered_seq{destination="siem"} ${head}`);
    expect(metrics).toMatch(
      /cutoff_destination_deliveries_total\{destination="siem",result="failure"\} [1-9]/,
    );
  });

  it('replays from a seq with the same ids, and dead-letters an event after max_attempts', async () => {
    const clock = skippingClock();
    server = await startTestServer({ clock, scheduler: new ManualScheduler() });
    const worker = server.server.deliveries;
    const secret = webhookSecret();
    receiver = createWebhookReceiver(await freePort(), secret);
    await receiver.start();
    for (let i = 0; i < 3; i += 1) await server.createUser();
    expect(
      (
        await server.api('PUT', '/v1/destinations/relay', {
          type: 'http',
          url: receiver.url,
          secret,
          batch_size: 2,
          max_attempts: 2,
        })
      ).status,
    ).toBe(201);
    await worker.idle();
    const head = (await server.api('GET', '/v1/destinations/relay')).body.status.head_seq as number;
    await receiver.waitForSeq(head);

    const replay = await server.api('POST', '/v1/destinations/relay/replay', { from_seq: 2 });
    expect(replay.status).toBe(200);
    await worker.idle();
    await receiver.waitForSeq(head + 1); // the destination.replayed event itself
    const replayed = receiver.raw.filter((event) => event.data['seq'] === 2);
    expect(replayed.length).toBe(2);
    expect(new Set(replayed.map((event) => event.id))).toEqual(new Set(['relay:2']));
    expect((await server.api('POST', '/v1/destinations/relay/replay', { from_seq: 10_000 })).status).toBe(
      400,
    );

    // A receiver that refuses everything: after 2 attempts the batch's first event is dead.
    receiver.behaviour = { status: 422 };
    await server.createUser();
    await worker.runNow();
    clock.skip(10 * 60_000);
    await worker.runNow();
    const after = (await server.api('GET', '/v1/destinations/relay')).body.status;
    expect(after.dead).toBe(1);
    const letters = (await server.api('GET', '/v1/destinations/relay/dead-letters')).body.dead_letters;
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({ id: `relay:${letters[0].seq}`, attempts: 2, retry_requested: false });
    expect(letters[0].last_error).toMatch(/answered 422/);
    expect(after.delivered_seq).toBe(letters[0].seq);

    // The receiver is fixed; the dead letter is retried on request and the stream catches up.
    receiver.behaviour = { status: 200 };
    expect(
      (await server.api('POST', `/v1/destinations/relay/dead-letters/${letters[0].seq}/retry`)).status,
    ).toBe(202);
    await worker.idle();
    await worker.runNow();
    expect((await server.api('GET', '/v1/destinations/relay/dead-letters')).body.dead_letters).toEqual([]);
    expect(receiver.deduped.some((event) => event.id === `relay:${letters[0].seq}`)).toBe(true);
  });

  it('refuses bad configurations with clear errors and changes nothing', async () => {
    server = await startTestServer({ scheduler: new ManualScheduler() });
    const cases: readonly [Record<string, unknown>, RegExp][] = [
      [{ type: 'carrier_pigeon' }, /type must be one of: http, file, splunk_hec, syslog/],
      [
        { type: 'http', url: 'https://siem.example.com', secret: webhookSecret(), format: 'cef' },
        /format "cef" is not available/,
      ],
      [
        { type: 'http', url: 'ftp://siem.example.com', secret: webhookSecret() },
        /url must be an absolute http/,
      ],
      [
        { type: 'http', url: 'https://u:p@siem.example.com', secret: webhookSecret() },
        /must not carry credentials/,
      ],
      [{ type: 'http', url: 'https://siem.example.com', secret: 'hunter2' }, /secret must be "whsec_"/],
      [{ type: 'http', url: 'https://siem.example.com' }, /secret is required/],
      [
        { type: 'http', url: 'https://siem.example.com', secret: webhookSecret(), colour: 'red' },
        /colour is not a field/,
      ],
      [{ type: 'file', path: '../../etc/cron.d/x' }, /inside the destination file directory/],
      [{ type: 'file', path: '/etc/passwd' }, /relative/],
      [{ type: 'file', path: 'a.jsonl', max_bytes: 10 }, /max_bytes must be an integer/],
    ];
    for (const [body, message] of cases) {
      const response = await server.api('PUT', '/v1/destinations/bad', body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.body.code).toBe('ERR_VALIDATION');
      expect(response.body.message).toMatch(message);
      expect(JSON.stringify(response.body)).not.toContain('hunter2');
    }
    expect((await server.api('GET', '/v1/destinations')).body.destinations).toEqual([]);
    expect((await server.api('GET', '/v1/destinations/bad')).status).toBe(404);
    expect((await server.api('DELETE', '/v1/destinations/bad')).status).toBe(404);
  });
});
