import { afterEach, describe, expect, it } from 'vitest';
import { verifyAuditCopy } from '../../src/domain/audit-copy-verification.js';
import { HecReceiver } from '../support/hec-receiver.js';
import { ManualScheduler } from '../support/manual-scheduler.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

/*
 * The SIEM types through the delivery engine and the API, end to end: configured with
 * `PUT /v1/destinations/{name}`, sent by the worker, checked from the SIEM's copy alone. The
 * receiver implements Splunk HEC's documented wire protocol (Splunk cannot run here).
 */
describe('splunk_hec through the delivery engine', () => {
  let server: TestServer | undefined;
  let hec: HecReceiver | undefined;
  afterEach(async () => {
    await server?.close();
    await hec?.close();
  });

  it('delivers every audit event as OCSF, token sealed and never shown, and the copy verifies', async () => {
    const token = '8f3c1d2e-hec-token-never-shown';
    hec = await HecReceiver.start({ token });
    server = await startTestServer({ scheduler: new ManualScheduler() });
    for (let i = 0; i < 4; i += 1) await server.createUser();

    const put = await server.api('PUT', '/v1/destinations/splunk', {
      type: 'splunk_hec',
      format: 'ocsf',
      url: hec.baseUrl,
      token,
      index: 'main',
    });
    expect(put.status).toBe(201);
    expect(JSON.stringify(put.body)).not.toContain(token);
    const revoked = await server.api('POST', '/v1/revocations', {
      target: { type: 'user', id: (await server.createUser()).id },
      reason: 'offboarding',
    });
    expect(revoked.status).toBe(201);
    await server.server.deliveries.runNow();
    await server.server.deliveries.idle();

    const status = (await server.api('GET', '/v1/destinations/splunk')).body;
    expect(JSON.stringify(status)).not.toContain(token);
    const head = status.status.head_seq as number;
    expect(status.status).toMatchObject({ delivered_seq: head, lag_events: 0, last_error: null });
    expect(hec.requests.every((request) => request.authorization === `Splunk ${token}`)).toBe(true);
    const copy = hec.events.map((event) => JSON.stringify(event));
    const seqs = hec.events.map((event) => (event.event['metadata'] as { sequence: number }).sequence);
    expect(seqs).toEqual(Array.from({ length: head }, (_, i) => i + 1));
    expect(
      hec.events.every((event) => event.index === 'main' && typeof event.event['class_uid'] === 'number'),
    ).toBe(true);
    expect(hec.events.map((event) => (event.event['metadata'] as { uid: string }).uid)).toContain(
      `splunk:${head}`,
    );
    // The SIEM's copy, OCSF inside HEC envelopes, verifies on its own; deleting a line is caught.
    expect(verifyAuditCopy(copy)).toMatchObject({ ok: true, events: head, gaps: [], edits: [] });
    const withGap = copy.filter((_, index) => index !== 1);
    expect(verifyAuditCopy(withGap)).toMatchObject({ ok: false, gaps: [{ from: 2, to: 2 }] });
  });

  it('refuses a splunk_hec destination over plain http to another host, naming the field', async () => {
    server = await startTestServer({ scheduler: new ManualScheduler() });
    const put = await server.api('PUT', '/v1/destinations/splunk', {
      type: 'splunk_hec',
      url: 'http://splunk.example.com:8088',
      token: 't',
    });
    expect(put.status).toBe(400);
    expect(put.body.message).toMatch(/url uses http on a host other than a loopback address/);
    expect((await server.api('GET', '/v1/destinations/splunk')).status).toBe(404);
  });
});
