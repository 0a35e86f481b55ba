import { rmSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { SplunkHecSender } from '../../src/adapters/destinations/splunk-hec-sender.js';
import { DeliveryError, isRetryable } from '../../src/domain/destinations/delivery-error.js';
import {
  parseSplunkHecConfig,
  type SplunkHecConfig,
} from '../../src/domain/destinations/splunk-hec-config.js';
import { HecReceiver } from '../support/hec-receiver.js';
import { outboundEvents } from '../support/outbound-events.js';
import { makeTestPki } from '../support/tls-certs.js';

// Splunk cannot run on this machine: HecReceiver implements HEC's documented wire protocol.

const TOKEN = '11111111-2222-3333-4444-555555555555';
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

const config = (json: Record<string, unknown>): SplunkHecConfig => {
  const parsed = parseSplunkHecConfig({ type: 'splunk_hec', token: TOKEN, ...json });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.config;
};

const setup = async (json: Record<string, unknown> = {}, indexes?: string[]) => {
  const receiver = await HecReceiver.start({ token: TOKEN, ...(indexes && { indexes }) });
  cleanup.push(() => receiver.close());
  const sender = new SplunkHecSender(config({ url: receiver.baseUrl, ...json }), { defaultHost: 'auth-1' });
  cleanup.push(() => sender.close());
  return { receiver, sender };
};

const failure = async (promise: Promise<unknown>): Promise<DeliveryError> => {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(DeliveryError);
  return error as DeliveryError;
};

describe('Splunk HEC sender', () => {
  it('delivers a batch as concatenated HEC events, in seq order, with time, host, source, sourcetype, index', async () => {
    const { receiver, sender } = await setup({ index: 'security' }, ['main', 'security']);
    const batch = outboundEvents(25);
    await sender.send(batch);
    expect(receiver.requests).toHaveLength(1);
    expect(receiver.requests[0]!.authorization).toBe(`Splunk ${TOKEN}`);
    expect(receiver.events.map((event) => event.event.seq)).toEqual(batch.map((item) => item.seq));
    expect(receiver.events[0]).toEqual({
      time: Date.parse(batch[0]!.event.ts) / 1000,
      host: 'auth-1',
      source: 'cutoff',
      sourcetype: 'cutoff:audit',
      index: 'security',
      event: batch[0]!.payload,
    });
    // Milliseconds survive: 10:00:00.001 UTC.
    expect(String(receiver.events[0]!.time)).toMatch(/\.001$/);
    // The chain fields arrive intact, so the SIEM's copy verifies.
    expect(receiver.events.map((event) => event.event.hash)).toEqual(batch.map((item) => item.event.hash));
  });

  it('gzips the body when configured and the receiver still reads every event', async () => {
    const { receiver, sender } = await setup({ gzip: true });
    await sender.send(outboundEvents(10));
    expect(receiver.requests[0]!.encoding).toBe('gzip');
    expect(receiver.events).toHaveLength(10);
  });

  it('reuses one connection for consecutive batches and leaves out index when unset', async () => {
    const { receiver, sender } = await setup();
    const batch = outboundEvents(6);
    await sender.send(batch.slice(0, 3));
    await sender.send(batch.slice(3));
    expect(receiver.events.map((event) => event.event.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(receiver.events.every((event) => !('index' in event))).toBe(true);
  });

  it('fails a wrong token permanently, naming the HEC code and never the token', async () => {
    const receiver = await HecReceiver.start({ token: 'the-right-token' });
    cleanup.push(() => receiver.close());
    const sender = new SplunkHecSender(config({ url: receiver.baseUrl }));
    cleanup.push(() => sender.close());
    const error = await failure(sender.send(outboundEvents(2)));
    expect(error.message).toBe('Splunk HEC answered HTTP 403 code 4 (Invalid token)');
    expect(error.retryable).toBe(false);
    expect(`${error.message} ${String(error.cause)} ${error.stack}`).not.toContain(TOKEN);
    expect(receiver.events).toEqual([]);
  });

  it('fails an index the token may not write permanently, naming the rejected seq', async () => {
    const { receiver, sender } = await setup({ index: 'not-allowed' });
    const error = await failure(sender.send(outboundEvents(3, { firstSeq: 40 })));
    expect(error.message).toBe(
      'Splunk HEC answered HTTP 400 code 7 (Incorrect index); the rejected event is seq 40',
    );
    expect(isRetryable(error)).toBe(false);
    expect(receiver.events).toEqual([]);
  });

  it('marks a busy (503 code 9) or throttling (429) collector retryable, then delivers once it recovers', async () => {
    const { receiver, sender } = await setup();
    const batch = outboundEvents(4);
    receiver.mode = 'busy';
    const busy = await failure(sender.send(batch));
    expect(busy.message).toBe('Splunk HEC answered HTTP 503 code 9 (Server is busy)');
    expect(busy.retryable).toBe(true);
    receiver.mode = 'throttle';
    expect((await failure(sender.send(batch))).retryable).toBe(true);
    receiver.mode = 'index';
    await sender.send(batch);
    expect(receiver.events.map((event) => event.event.seq)).toEqual([1, 2, 3, 4]);
  });

  it('gives up on a collector that never answers after timeout_ms, retryable', async () => {
    const { receiver, sender } = await setup({ timeout_ms: 300 });
    receiver.mode = 'silent';
    const started = performance.now();
    const error = await failure(sender.send(outboundEvents(1)));
    const elapsed = performance.now() - started;
    expect(error.message).toBe('Splunk HEC unreachable: no answer within 300 ms');
    expect(error.retryable).toBe(true);
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(2000);
  });

  it('marks a refused connection retryable', async () => {
    const receiver = await HecReceiver.start({ token: TOKEN });
    const url = receiver.baseUrl;
    await receiver.close();
    const sender = new SplunkHecSender(config({ url }));
    cleanup.push(() => sender.close());
    const error = await failure(sender.send(outboundEvents(1)));
    expect(error.message).toMatch(/^Splunk HEC unreachable: connect ECONNREFUSED 127\.0\.0\.1:\d+$/);
    expect(error.retryable).toBe(true);
  });

  it('speaks https, verifying the collector against the configured CA and refusing another', async () => {
    const pki = makeTestPki();
    const other = makeTestPki();
    cleanup.push(() => {
      for (const dir of [pki.dir, other.dir]) rmSync(dir, { recursive: true, force: true });
      return Promise.resolve();
    });
    const receiver = await HecReceiver.start({ token: TOKEN, tls: { cert: pki.certPem, key: pki.keyPem } });
    cleanup.push(() => receiver.close());
    const trusting = new SplunkHecSender(config({ url: receiver.baseUrl, ca: pki.caPem }));
    cleanup.push(() => trusting.close());
    await trusting.send(outboundEvents(2));
    expect(receiver.events).toHaveLength(2);

    const stranger = new SplunkHecSender(config({ url: receiver.baseUrl, ca: other.caPem }));
    cleanup.push(() => stranger.close());
    const error = await failure(stranger.send(outboundEvents(1)));
    expect(error.message).toMatch(/certificate/i);
    expect(error.retryable).toBe(false);
    expect(receiver.events).toHaveLength(2);
  });
});
