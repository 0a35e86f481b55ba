import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSse } from '../support/sse.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

describe('revocation feed', () => {
  let t: TestServer;
  let feedKey: string;
  const revokeToken = async (jti: string) =>
    (await t.api('POST', '/v1/revocations', { target: { type: 'token', id: jti }, reason: 'manual' })).body;

  beforeAll(async () => {
    t = await startTestServer({ config: { accessTokenTtlSeconds: 60, clockSkewSeconds: 5 } });
    feedKey = await t.apiKey(['feed:read']);
  });
  afterAll(() => t.close());

  it('needs a feed:read (or admin) key', async () => {
    expect((await t.api('GET', '/v1/revocations?after=0', undefined, null)).status).toBe(401);
    const introspectOnly = await t.apiKey(['introspect']);
    expect((await t.api('GET', '/v1/revocations?after=0', undefined, introspectOnly)).status).toBe(403);
    expect((await t.api('GET', '/v1/revocations?after=0', undefined, feedKey)).status).toBe(200);
    const stream = await fetch(`${t.url}/v1/revocations/stream`);
    expect(stream.status).toBe(401);
  });

  it('lists live entries after a seq, with the head, expiry bounded by the token lifetime', async () => {
    const first = await revokeToken('jti-a');
    const second = await revokeToken('jti-b');
    const all = (await t.api('GET', '/v1/revocations?after=0', undefined, feedKey)).body;
    expect(all.head).toBe(second.seq);
    expect(all.has_more).toBe(false);
    expect(Math.abs(all.server_time - Date.now())).toBeLessThan(5000);
    const entry = all.entries.find((candidate: any) => candidate.seq === first.seq);
    expect(entry).toMatchObject({ kind: 'token', key: 'jti-a', reason: 'manual' });
    expect(entry.expires_at - entry.at).toBe(60 + 5);
    const after = (await t.api('GET', `/v1/revocations?after=${first.seq}`, undefined, feedKey)).body;
    expect(after.entries.map((candidate: any) => candidate.seq)).toEqual([second.seq]);
    const paged = (await t.api('GET', '/v1/revocations?after=0&limit=1', undefined, feedKey)).body;
    expect(paged.entries).toHaveLength(1);
    expect(paged.has_more).toBe(true);
    expect((await t.api('GET', '/v1/revocations?after=-1', undefined, feedKey)).status).toBe(400);
  });

  it('streams entries as SSE with heartbeats at least every second, and resumes from Last-Event-ID', async () => {
    const stream = await openSse(`${t.url}/v1/revocations/stream`, { authorization: `Bearer ${feedKey}` });
    expect(stream.status).toBe(200);
    const firstBeat = await stream.waitFor((event) => event.event === 'heartbeat');
    const jwks = (await t.api('GET', '/.well-known/jwks.json', undefined, null)).body as {
      keys: { kid: string }[];
    };
    const beat = JSON.parse(firstBeat.data) as { head_read_at: number; server_time: number };
    expect(beat).toEqual({
      head: expect.any(Number),
      // When this replica read `head` from the store: it vouches for nothing newer.
      head_read_at: expect.any(Number),
      server_time: expect.any(Number),
      // The published signing keys, as the JWKS lists them (guards learn retirements from it).
      keys: { version: expect.any(Number), kids: jwks.keys.map((key) => key.kid) },
    });
    expect(beat.head_read_at).toBeLessThanOrEqual(beat.server_time);
    expect(beat.server_time - beat.head_read_at).toBeLessThan(1500);
    const beatsBefore = stream.events.filter((event) => event.event === 'heartbeat').length;
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect(stream.events.filter((event) => event.event === 'heartbeat').length).toBeGreaterThanOrEqual(
      beatsBefore + 1,
    );

    const revoked = await revokeToken('jti-live');
    const live = await stream.waitFor(
      (event) => event.event === 'revocation' && event.id === String(revoked.seq),
    );
    expect(JSON.parse(live.data)).toMatchObject({ seq: revoked.seq, kind: 'token', key: 'jti-live' });
    stream.close();

    // Entries made while disconnected arrive on resume, in order, none repeated.
    const missed = [await revokeToken('jti-m1'), await revokeToken('jti-m2')];
    const resumed = await openSse(`${t.url}/v1/revocations/stream`, {
      authorization: `Bearer ${feedKey}`,
      'last-event-id': String(revoked.seq),
    });
    await resumed.waitFor((event) => event.id === String(missed[1]!.seq));
    const seqs = resumed.events
      .filter((event) => event.event === 'revocation')
      .map((event) => Number(event.id));
    expect(seqs).toEqual(missed.map((entry) => entry.seq));
    resumed.close();
  });

  it('replays the whole live state to a stream that starts at 0', async () => {
    const stream = await openSse(`${t.url}/v1/revocations/stream?after=0`, {
      authorization: `Bearer ${feedKey}`,
    });
    const head = (await t.api('GET', '/v1/revocations?after=0', undefined, feedKey)).body.head;
    await stream.waitFor((event) => event.id === String(head));
    const seqs = stream.events
      .filter((event) => event.event === 'revocation')
      .map((event) => Number(event.id));
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(seqs.length);
    stream.close();
  });
});
