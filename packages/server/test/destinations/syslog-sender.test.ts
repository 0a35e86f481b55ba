import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SyslogSender } from '../../src/adapters/destinations/syslog-sender.js';
import { DeliveryError } from '../../src/domain/destinations/delivery-error.js';
import { computeAuditHash } from '../../src/domain/audit-chain.js';
import { fromOcsf, toOcsf } from '../../src/domain/destinations/ocsf.js';
import { SYSLOG_SD_ID } from '../../src/domain/destinations/rfc5424.js';
import { parseSyslogConfig, type SyslogConfig } from '../../src/domain/destinations/syslog-config.js';
import type { OutboundEvent } from '../../src/ports/destination-sender.js';
import { outboundEvents } from '../support/outbound-events.js';
import { parseStructuredData, Rsyslog, rsyslogAvailable, type ParsedSyslogLine } from '../support/rsyslog.js';
import { makeTestPki, type TestPki } from '../support/tls-certs.js';

// A real rsyslog over TLS (RFC 5425), started by this test on its own port. CI installs the
// `rsyslog` and `rsyslog-gnutls` packages (.ci/run).

let pki: TestPki;
let rsyslog: Rsyslog;
const senders: SyslogSender[] = [];

beforeAll(async () => {
  if (!rsyslogAvailable()) throw new Error('rsyslogd is missing: apt-get install -y rsyslog rsyslog-gnutls');
  pki = newPki();
  rsyslog = await Rsyslog.start(pki);
});
afterAll(async () => {
  for (const sender of senders) await sender.close();
  await rsyslog?.dispose();
  for (const dir of pkiDirs) rmSync(dir, { recursive: true, force: true });
});

const pkiDirs: string[] = [];
const newPki = (): TestPki => {
  const created = makeTestPki();
  pkiDirs.push(created.dir);
  return created;
};

const sender = (json: Record<string, unknown> = {}): SyslogSender => {
  const parsed = parseSyslogConfig({ host: '127.0.0.1', port: rsyslog.port, ca: pki.caPem, ...json });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  const created = new SyslogSender(parsed.config satisfies SyslogConfig, { defaultHostname: 'auth-1' });
  senders.push(created);
  return created;
};

/** The messages rsyslog wrote for `batch`, by our id (lines of other tests are left out). */
const received = (lines: readonly ParsedSyslogLine[], batch: readonly OutboundEvent[]) => {
  const ids = new Set(batch.map((item) => item.id));
  return lines
    .map((line) => ({ line, sd: parseStructuredData(line.structuredData) }))
    .filter(({ sd }) => ids.has(sd.params.id!));
};

describe('syslog sender (RFC 5424 over RFC 5425 TLS, octet-counted) to a real rsyslog', () => {
  it('delivers every event in order, each parsed by rsyslog as RFC 5424 with its structured data intact', async () => {
    const batch = outboundEvents(200, { destination: 'order' });
    await sender().send(batch);
    const lines = received(await rsyslog.waitForLines(200), batch);
    expect(lines.map(({ sd }) => Number(sd.params.seq))).toEqual(batch.map((item) => item.seq));
    for (const [index, { line, sd }] of lines.entries()) {
      const item = batch[index]!;
      expect(line).toMatchObject({
        facility: 10, // authpriv, the default
        timestamp: item.event.ts,
        hostname: 'auth-1',
        appName: 'cutoff',
        procId: String(process.pid),
        msgId: item.event.action,
      });
      // Revocations are notices, failures warnings, the rest informational.
      const expected = item.event.action.endsWith('.revoked')
        ? 5
        : item.event.action.endsWith('.failed')
          ? 4
          : 6;
      expect(line.severity).toBe(expected);
      expect(sd).toEqual({
        id: SYSLOG_SD_ID,
        params: {
          id: item.id,
          seq: String(item.seq),
          hash: item.event.hash,
          prev_hash: item.event.prev_hash,
        },
      });
      // MSG: the UTF-8 BOM, then the payload's JSON, quotes, backslashes and brackets intact.
      expect(line.msg.startsWith('\ufeff')).toBe(true);
      expect(JSON.parse(line.msg.slice(1))).toEqual(item.payload);
    }
    // The chain links survive: each event's prev_hash is the hash before it.
    for (let index = 1; index < lines.length; index += 1)
      expect(lines[index]!.sd.params.prev_hash).toBe(lines[index - 1]!.sd.params.hash);
  });

  it("streams OCSF payloads whose chain verifies from rsyslog's copy alone", async () => {
    const batch = outboundEvents(30, { destination: 'ocsf' }).map((item) => ({
      ...item,
      payload: toOcsf(item.event, item.id),
    }));
    await sender().send(batch);
    const copies = received(await waitFor(batch), batch).map(({ line }) =>
      fromOcsf(JSON.parse(line.msg.slice(1))),
    );
    let prevHash = batch[0]!.event.prev_hash;
    for (const copy of copies) {
      expect(copy).not.toBeNull();
      expect(copy!.prev_hash).toBe(prevHash);
      const recomputed = computeAuditHash(copy!.prev_hash, { ...copy!, ts: new Date(copy!.ts) });
      expect(recomputed).toBe(copy!.hash);
      prevHash = copy!.hash;
    }
    expect(copies).toHaveLength(30);
  });

  it('refuses a receiver whose certificate does not chain to the configured CA, permanently', async () => {
    const before = rsyslog.lines().length;
    const stranger = sender({ ca: newPki().caPem });
    const error = await stranger.send(outboundEvents(3, { destination: 'stranger' })).then(
      () => null,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(DeliveryError);
    expect((error as DeliveryError).message).toMatch(
      /^syslog receiver 127\.0\.0\.1:\d+ unreachable: .*certificate/,
    );
    expect((error as DeliveryError).retryable).toBe(false);
    // A message that did arrive would have been written by now, with the ones after it.
    await sender().send(outboundEvents(1, { destination: 'after-stranger' }));
    const lines = await rsyslog.waitForLines(before + 1);
    expect(lines.slice(before).map((line) => parseStructuredData(line.structuredData).params.id)).toEqual([
      'after-stranger:1',
    ]);
  });

  it('checks the certificate against server_name when it is set, and refuses a name it lacks', async () => {
    const batch = outboundEvents(1, { destination: 'named' });
    await sender({ server_name: 'localhost' }).send(batch);
    await waitFor(batch);
    const error = await sender({ server_name: 'siem.example' })
      .send(outboundEvents(1, { destination: 'misnamed' }))
      .then(
        () => null,
        (caught: unknown) => caught,
      );
    expect((error as DeliveryError).message).toMatch(/does not match certificate's altnames/);
    expect((error as DeliveryError).retryable).toBe(false);
  });

  it('reconnects after rsyslog restarts mid-stream, and every event arrives, in order', async () => {
    const batch = outboundEvents(100, { destination: 'restart' });
    const persistent = sender();
    await persistent.send(batch.slice(0, 50));
    const deliveredBefore = received(await waitFor(batch.slice(0, 50)), batch).length;
    expect(deliveredBefore).toBe(50);

    await rsyslog.restart();

    // The engine's part: a batch that fails retryably is sent again from its cursor.
    const rest = batch.slice(50);
    let attempts = 0;
    for (;;) {
      attempts += 1;
      try {
        await persistent.send(rest);
        break;
      } catch (error) {
        expect((error as DeliveryError).retryable).toBe(true);
        if (attempts >= 3) throw error;
      }
    }
    const lines = received(await waitFor(batch), batch);
    // At least once: a re-sent batch may arrive twice; deduped by id, all 100 arrive in order.
    const seqs = [...new Set(lines.map(({ sd }) => sd.params.id))].map((id) => Number(id!.split(':')[1]));
    expect(seqs).toEqual(batch.map((item) => item.seq));
  });

  it('speaks plain TCP, octet-counted, to a relay on 127.0.0.1', async () => {
    const relay = await Rsyslog.start(null);
    try {
      const parsed = parseSyslogConfig({
        host: '127.0.0.1',
        port: relay.port,
        transport: 'tcp',
        facility: 'local3',
      });
      if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
      const plain = new SyslogSender(parsed.config, { defaultHostname: 'auth-1' });
      senders.push(plain);
      const batch = outboundEvents(20, { destination: 'relay' });
      await plain.send(batch);
      const lines = await relay.waitForLines(20);
      expect(lines.map((line) => parseStructuredData(line.structuredData).params.id)).toEqual(
        batch.map((item) => item.id),
      );
      expect(lines.every((line) => line.facility === 19)).toBe(true);
    } finally {
      await relay.dispose();
    }
  });
});

/** Waits until every event of `batch` is in rsyslog's output. */
const waitFor = async (batch: readonly OutboundEvent[]): Promise<ParsedSyslogLine[]> => {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const lines = rsyslog.lines();
    const ids = new Set(received(lines, batch).map(({ sd }) => sd.params.id));
    if (batch.every((item) => ids.has(item.id))) return lines;
    if (Date.now() > deadline) throw new Error(`rsyslog has ${ids.size} of ${batch.length} events`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};
