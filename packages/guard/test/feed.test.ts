import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { INTROSPECTION_KEY, FakeCutoff, eventually } from './support/fake-cutoff.js';
import { STALE_FAST_MS, closeGuards, outcome, recordingLogger, startGuard } from './support/guard-setup.js';

let fake: FakeCutoff;
beforeEach(async () => {
  fake = await FakeCutoff.start();
});
afterEach(async () => {
  await closeGuards();
  await fake.close();
});

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('feed: snapshot and stream', () => {
  it('loads the snapshot (paged) before ready, then streams with the right headers', async () => {
    for (let i = 0; i < 2500; i++) fake.revoke('token', `old-${i}`);
    const revokedSession = fake.revoke('session', 'session-gone');
    const guard = await startGuard(fake);
    expect(guard.status()).toMatchObject({ ready: true, seqApplied: revokedSession.seq, entries: 2501 });
    expect(fake.snapshotRequests.map((r) => r.after)).toEqual([0, 1000, 2000]);
    expect(fake.snapshotRequests[0]?.authorization).toBe('Bearer feed-api-key');
    expect(await outcome(guard, await fake.sign({ sid: 'session-gone' }))).toBe('ERR_TOKEN_REVOKED');

    await eventually(() => fake.streamRequests.length === 1 && guard.status().connected);
    expect(fake.streamRequests[0]).toEqual({
      lastEventId: String(revokedSession.seq),
      guardId: guard.id,
      app: 'test-app',
      authorization: 'Bearer feed-api-key',
    });
  });

  it('rejects with ERR_GUARD_NOT_READY until the snapshot loads, retrying meanwhile', async () => {
    fake.failSnapshots = true;
    const guard = await startGuard(fake, {}, { waitReady: false });
    const token = await fake.sign();
    expect(await outcome(guard, token)).toBe('ERR_GUARD_NOT_READY');
    expect(guard.status()).toMatchObject({ ready: false, degraded: true, stalenessMs: null });
    await eventually(() => fake.snapshotRequests.length >= 2, 2000, 'snapshot retries');
    expect(guard.status().lastError).toMatch(/snapshot answered HTTP 503/);
    fake.failSnapshots = false;
    await guard.ready;
    expect(await outcome(guard, token)).toBe('ok');
  });

  it('resumes with Last-Event-ID after the stream drops: entries made meanwhile are applied', async () => {
    const guard = await startGuard(fake);
    const token = await fake.sign({ sub: 'erin' });
    expect(await outcome(guard, token)).toBe('ok');
    const before = fake.revoke('token', 'unrelated');
    await eventually(() => guard.status().seqApplied === before.seq);

    fake.refuseStreams = true;
    fake.dropStreams();
    const missed = fake.revoke('user', 'erin');
    expect(missed.seq).toBe(before.seq + 1);
    await eventually(() => fake.streamRequests.length >= 2, 2000, 'a refused reconnect');
    expect(await outcome(guard, token)).toBe('ok'); // not delivered yet
    fake.refuseStreams = false;

    await eventually(() => guard.status().seqApplied === missed.seq, 3000, 'the missed entry');
    expect(fake.streamRequests.at(-1)?.lastEventId).toBe(String(before.seq));
    expect(await outcome(guard, token)).toBe('ERR_TOKEN_REVOKED');
  });

  it('fetches the snapshot delta when heartbeats show it behind (a lost delivery)', async () => {
    const guard = await startGuard(fake, { lagResyncMs: 150 });
    await eventually(() => guard.status().connected);
    const lost = fake.revoke('user', 'frank', { silent: true });
    await eventually(() => guard.status().seqApplied === lost.seq, 2000, 'the resync');
    expect(fake.snapshotRequests.at(-1)?.after).toBe(lost.seq - 1);
    expect(await outcome(guard, await fake.sign({ sub: 'frank', iat: lost.at }))).toBe('ERR_TOKEN_REVOKED');
  });

  it('fills a seq gap in the stream at once', async () => {
    const guard = await startGuard(fake, { lagResyncMs: 60_000 });
    await eventually(() => guard.status().connected);
    const lost = fake.revoke('user', 'gina', { silent: true });
    const next = fake.revoke('user', 'hank');
    await eventually(() => guard.status().seqApplied === next.seq, 2000, 'the gap filled');
    expect(lost.seq).toBe(next.seq - 1);
    expect(await outcome(guard, await fake.sign({ sub: 'gina', iat: lost.at }))).toBe('ERR_TOKEN_REVOKED');
  });

  it('reconnects a stream that went silent', async () => {
    const guard = await startGuard(fake, { streamIdleTimeoutMs: 200, maxStalenessMs: 5000 });
    await eventually(() => guard.status().connected);
    fake.heartbeats = false;
    await eventually(() => fake.streamRequests.length >= 2, 2000, 'a reconnect');
    fake.heartbeats = true;
    await eventually(() => guard.status().connected);
  });

  it('prunes expired entries: status().entries returns to 0', async () => {
    let offsetMs = 0;
    const guard = await startGuard(fake, { pruneIntervalMs: 20, now: () => Date.now() + offsetMs });
    const at = Math.floor(Date.now() / 1000);
    const entry = fake.revoke('user', 'ivan', { at, expiresAt: at + 2 });
    await eventually(() => guard.status().seqApplied === entry.seq);
    expect(guard.status().entries).toBe(1);
    offsetMs = 3000;
    await eventually(() => guard.status().entries === 0, 2000, 'prune');
  });

  it('reports applied entries with their apply time, coalesced', async () => {
    const guard = await startGuard(fake);
    await eventually(() => guard.status().connected && fake.reports.length >= 1, 2000, 'the first report');
    expect(fake.reports[0]).toMatchObject({ guard_id: guard.id, app: 'test-app', seq: 0, applied: [] });
    const start = Date.now();
    const seqs = Array.from({ length: 20 }, (_, i) => fake.revoke('token', `t-${i}`).seq);
    await eventually(
      () => fake.reports.some((report) => report.seq === seqs.at(-1)),
      2000,
      'a report of the last seq',
    );
    const applied = fake.reports.flatMap(
      (report) => report.applied as { seq: number; applied_at_ms: number }[],
    );
    expect(applied.map((a) => a.seq)).toEqual(seqs);
    for (const a of applied) expect(a.applied_at_ms).toBeGreaterThanOrEqual(start - 5);
    expect(fake.reports.length).toBeLessThanOrEqual(4);
  });

  it('close() stops the stream and timers, and rejects a pending ready', async () => {
    const guard = await startGuard(fake);
    await eventually(() => fake.openStreams === 1);
    await guard.close();
    await eventually(() => fake.openStreams === 0, 1000, 'the stream closed');

    fake.failSnapshots = true;
    const pending = await startGuard(fake, {}, { waitReady: false });
    await pending.close();
    await expect(pending.ready).rejects.toMatchObject({ code: 'ERR_GUARD_NOT_READY' });
  });
});

describe('staleness policies', () => {
  it('fail-closed: ERR_GUARD_STALE within maxStalenessMs of silence, recovering after', async () => {
    const logger = recordingLogger();
    const guard = await startGuard(fake, { logger, maxStalenessMs: STALE_FAST_MS });
    const token = await fake.sign();
    expect(await outcome(guard, token)).toBe('ok');
    fake.heartbeats = false;
    const pausedAt = Date.now();
    await eventually(() => guard.check(token)?.ok === false, 1500, 'degraded');
    expect(Date.now() - pausedAt).toBeLessThan(300 + 500);
    expect(await outcome(guard, token)).toBe('ERR_GUARD_STALE');
    expect(guard.status()).toMatchObject({ degraded: true, ready: true });
    expect(guard.status().stalenessMs).toBeGreaterThan(300);
    // A revoked token is still refused as revoked, not as stale.
    expect(await outcome(guard, await fake.sign({ access_until: 1 }))).toBe('ERR_TOKEN_REVOKED');

    fake.heartbeats = true;
    await eventually(() => guard.check(token)?.ok === true, 1500, 'recovered');
    await eventually(
      () => logger.lines.some((l) => l.message.includes('current again')),
      1000,
      'recovery log',
    );
    expect(logger.lines.some((l) => l.level === 'warn' && l.message.includes('stale'))).toBe(true);
  });

  it('heartbeats keep flowing, but vouch only as of their store read: an old read or no head is stale', async () => {
    const guard = await startGuard(fake);
    const token = await fake.sign();
    expect(await outcome(guard, token)).toBe('ok');
    // The replica still sends heartbeats, but its last store read is 10 s old.
    fake.headRead = { ageMs: 10_000 };
    await eventually(() => guard.check(token)?.ok === false, 1500, 'degraded on an old read');
    expect(guard.status()).toMatchObject({ degraded: true, connected: true });
    expect(guard.status().stalenessMs).toBeGreaterThan(300);
    expect(await outcome(guard, token)).toBe('ERR_GUARD_STALE');
    // A replica that stopped vouching sends no head: bytes flow, freshness does not return.
    fake.headRead = 'none';
    const until = Date.now() + 400;
    while (Date.now() < until) {
      expect(guard.check(token)?.ok).toBe(false);
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(guard.status()).toMatchObject({ degraded: true, connected: true });
    // A fresh read makes the guard current again; so does a server from before `head_read_at`.
    fake.headRead = { ageMs: 0 };
    await eventually(() => guard.check(token)?.ok === true, 1500, 'recovered');
    fake.headRead = 'none';
    await eventually(() => guard.check(token)?.ok === false, 1500, 'stale again');
    fake.headRead = 'legacy';
    await eventually(() => guard.check(token)?.ok === true, 1500, 'legacy heartbeats');
  });

  it('reconnects a stream whose heartbeats stopped carrying a head (its replica cannot read the store)', async () => {
    const logger = recordingLogger();
    const guard = await startGuard(fake, { logger, streamIdleTimeoutMs: 400 });
    await eventually(() => fake.streamRequests.length === 1 && guard.status().connected);
    fake.headRead = 'none';
    await eventually(() => fake.streamRequests.length >= 2, 2000, 'a reconnect');
    expect(logger.lines.some((l) => l.message.includes('stopped vouching'))).toBe(true);
    fake.headRead = { ageMs: 0 };
    await eventually(() => !guard.status().degraded, 2000, 'current again');
  });

  it('a heartbeat whose head is beyond what the guard applied does not make it fresh', async () => {
    const guard = await startGuard(fake, { maxStalenessMs: STALE_FAST_MS });
    const token = await fake.sign({ sub: 'frank' });
    expect(await outcome(guard, token)).toBe('ok');
    fake.refuseStreams = true;
    fake.dropStreams();
    await eventually(() => guard.check(token)?.ok === false, 1500, 'degraded while cut');
    // The stream comes back without the replay; heartbeats announce the entry it missed (and
    // the snapshot that would fetch it fails).
    fake.failSnapshots = true;
    fake.replay = false;
    fake.revoke('user', 'frank');
    fake.refuseStreams = false;
    // Every check from now on, across the reconnection and the heartbeats after it.
    let accepted = 0;
    let connectedAt: number | undefined;
    const started = Date.now();
    while (connectedAt === undefined || Date.now() - connectedAt < 500) {
      if (Date.now() - started > 5000) throw new Error('never reconnected');
      if (guard.check(token)?.ok === true) accepted += 1;
      if (connectedAt === undefined && guard.status().connected) connectedAt = Date.now();
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(accepted).toBe(0);
    expect(guard.status()).toMatchObject({ degraded: true, connected: true });
    expect(guard.status().seqApplied).toBeLessThan(guard.status().head);
    expect(await outcome(guard, token)).toBe('ERR_GUARD_STALE');
  });

  it('introspect: calls the endpoint per token (cached), honours active:false, fails closed on errors', async () => {
    const guard = await startGuard(fake, {
      maxStalenessMs: STALE_FAST_MS,
      whenStale: 'introspect',
      introspection: { apiKey: INTROSPECTION_KEY, cacheMs: 10_000 },
    });
    const good = await fake.sign();
    const revoked = await fake.sign();
    const broken = await fake.sign();
    fake.introspect = (token) =>
      token === revoked ? { active: false } : token === broken ? 'error' : { active: true };
    expect(await outcome(guard, good)).toBe('ok');
    expect(fake.introspections).toHaveLength(0);

    fake.heartbeats = false;
    await eventually(() => guard.status().degraded, 1500, 'degraded');
    expect(await outcome(guard, good)).toBe('ok');
    expect(await outcome(guard, good)).toBe('ok');
    expect(fake.introspections).toEqual([{ token: good, authorization: `Bearer ${INTROSPECTION_KEY}` }]);
    expect(guard.check(good)).toMatchObject({ ok: true }); // answered from the introspection cache

    const error = await guard.verify(revoked).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_TOKEN_REVOKED', match: 'introspection' });
    expect(await outcome(guard, broken)).toBe('ERR_INTROSPECTION_FAILED');
    // External tokens cannot be vouched for by Cutoff's introspection.
    expect(await outcome(guard, await fake.sign({}, { external: true }))).toBe('ERR_GUARD_STALE');
  });

  it('introspect: authenticates with HTTP Basic client credentials', async () => {
    const guard = await startGuard(fake, {
      maxStalenessMs: STALE_FAST_MS,
      whenStale: 'introspect',
      introspection: { clientId: 'rs-client', clientSecret: 'rs-secret' },
    });
    fake.heartbeats = false;
    await eventually(() => guard.status().degraded, 1500, 'degraded');
    expect(await outcome(guard, await fake.sign())).toBe('ok');
    expect(fake.introspections[0]?.authorization).toMatch(/^Basic /);
  });

  it('fail-open: accepts verified tokens, still applies the local rule, and logs loudly', async () => {
    const logger = recordingLogger();
    const guard = await startGuard(fake, { whenStale: 'fail-open', logger, maxStalenessMs: STALE_FAST_MS });
    expect(logger.lines.filter((l) => l.level === 'warn' && l.message.includes('FAIL-OPEN'))).toHaveLength(1);
    const token = await fake.sign({ sub: 'jane' });
    const entry = fake.revoke('user', 'judy');
    await eventually(() => guard.status().seqApplied === entry.seq);
    fake.heartbeats = false;
    await eventually(() => guard.status().degraded, 1500, 'degraded');
    for (let i = 0; i < 50; i++) expect(await outcome(guard, token)).toBe('ok');
    expect(await outcome(guard, await fake.sign({ sub: 'judy', iat: entry.at }))).toBe('ERR_TOKEN_REVOKED');
    // One warning at creation plus one (rate limited) for the 50 degraded acceptances.
    expect(logger.lines.filter((l) => l.level === 'warn' && l.message.includes('FAIL-OPEN'))).toHaveLength(2);
    await sleep(1);
  });
});
