import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPostgresStore, createSqliteStore } from '../../src/adapters/storage/index.js';
import type { ApiKeyId } from '../../src/domain/ids.js';
import { dropSchemas, postgresTestsSkipped, testDatabaseUrl } from '../support/stores.js';
import { ADMIN_KEY, startTestServer, type TestServer } from '../support/test-server.js';

/** A cheap call that needs `feed:read`: 200 when the key authenticates, 401 when it does not. */
const feedStatus = async (server: TestServer, key: string): Promise<number> =>
  (await fetch(`${server.url}/v1/revocations?after=0`, { headers: { authorization: `Bearer ${key}` } }))
    .status;

const createKey = async (
  server: TestServer,
  body: Record<string, unknown> = {},
): Promise<{ id: string; key: string; [field: string]: unknown }> => {
  const response = await server.api('POST', '/v1/api-keys', { name: 'app', scopes: ['feed:read'], ...body });
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body;
};

/** An SSE connection that records when the server ended it and how many heartbeats came. */
const openStream = async (server: TestServer, key: string) => {
  const response = await fetch(`${server.url}/v1/revocations/stream`, {
    headers: { authorization: `Bearer ${key}` },
  });
  expect(response.status).toBe(200);
  const reader = response.body!.getReader();
  let endedAt: number | undefined;
  let heartbeats = 0;
  const done = (async () => {
    const decoder = new TextDecoder();
    for (;;) {
      const chunk = await reader.read().catch(() => ({ done: true as const, value: undefined }));
      if (chunk.done) break;
      heartbeats += decoder.decode(chunk.value).split('event: heartbeat').length - 1;
    }
    endedAt = performance.now();
  })();
  return { done, ended: () => endedAt, heartbeats: () => heartbeats, cancel: () => reader.cancel() };
};

const metricValue = async (server: TestServer, name: string): Promise<number> => {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${name} `));
  return Number(line?.split(' ')[1] ?? Number.NaN);
};

describe('API key lifecycle', () => {
  let t: TestServer;
  beforeAll(async () => {
    // Heartbeats as slow as allowed, so that a stream ending at once cannot be a heartbeat's doing.
    t = await startTestServer({ config: { apiKeyLastUsedFlushMs: 300, feedHeartbeatMs: 1000 } });
  });
  afterAll(() => t.close());

  it('a revoked key is refused by the next request after DELETE returns, even with calls in flight', async () => {
    const created = await createKey(t);
    expect(await feedStatus(t, created.key)).toBe(200); // cached on this replica now

    // Calls keep arriving while the key is revoked: one that starts after the DELETE returned
    // must be refused, whatever was in flight or cached when the revocation committed.
    let returnedAt = Number.POSITIVE_INFINITY;
    let acceptedAfter = 0;
    let refusedAfter = 0;
    let stop = false;
    const hammer = async () => {
      while (!stop) {
        const startedAt = performance.now();
        const status = await feedStatus(t, created.key);
        if (startedAt > returnedAt) {
          if (status === 200) acceptedAfter += 1;
          else if (status === 401) refusedAfter += 1;
        }
      }
    };
    const hammers = Array.from({ length: 4 }, hammer);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const revoked = await t.api('DELETE', `/v1/api-keys/${created.id}?reason=security_incident`);
    returnedAt = performance.now();
    expect(revoked.status).toBe(200);
    expect(revoked.body).toMatchObject({ id: created.id, status: 'revoked', revoked_at: expect.any(String) });
    expect(revoked.body.key).toBeUndefined();
    expect(await feedStatus(t, created.key)).toBe(401);
    await new Promise((resolve) => setTimeout(resolve, 200));
    stop = true;
    await Promise.all(hammers);
    expect(acceptedAfter).toBe(0);
    expect(refusedAfter).toBeGreaterThan(0);

    // Audited once, with the reason and the actor, never the key itself.
    const events = (await t.api('GET', `/v1/audit?action=api_key.revoked&target=api_key:${created.id}`)).body
      .events;
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      action: 'api_key.revoked',
      actor: { type: 'admin', id: 'bootstrap' },
      target: { type: 'api_key', id: created.id },
      reason: 'security_incident',
    });
    expect(JSON.stringify(events[0])).not.toContain(created.key);

    // Revoking again changes nothing: same revocation time, no second event.
    const again = await t.api('DELETE', `/v1/api-keys/${created.id}`);
    expect(again.status).toBe(200);
    expect(again.body.revoked_at).toBe(revoked.body.revoked_at);
    expect(
      (await t.api('GET', `/v1/audit?action=api_key.revoked&target=api_key:${created.id}`)).body.events,
    ).toHaveLength(1);
  });

  it('an open feed stream of a key that is revoked ends as the revocation returns', async () => {
    const revokedKey = await createKey(t);
    const keptKey = await createKey(t);
    const revokedStream = await openStream(t, revokedKey.key);
    const keptStream = await openStream(t, keptKey.key);
    while (revokedStream.heartbeats() === 0) await new Promise((resolve) => setTimeout(resolve, 10));

    expect((await t.api('DELETE', `/v1/api-keys/${revokedKey.id}`)).status).toBe(200);
    const returnedAt = performance.now();
    await revokedStream.done;
    // The server ended it before answering the DELETE; the client sees it a moment later.
    expect(revokedStream.ended()! - returnedAt).toBeLessThan(100);
    const keptBefore = keptStream.heartbeats();
    while (keptStream.heartbeats() === keptBefore) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(keptStream.ended()).toBeUndefined();
    await keptStream.cancel();
  });

  it('a revoked introspection key is refused by the next introspection (401 invalid_token, RFC 6750)', async () => {
    const created = await createKey(t, { scopes: ['introspect'] });
    const introspect = () =>
      t.form('/oauth/introspect', { token: 'not-a-token' }, { authorization: `Bearer ${created.key}` });
    expect(await introspect()).toMatchObject({ status: 200, body: { active: false } });
    expect((await t.api('DELETE', `/v1/api-keys/${created.id}`)).status).toBe(200);
    expect(await introspect()).toMatchObject({ status: 401, body: { error: 'invalid_token' } });
  });

  it('only an admin revokes; an unknown id is 404; a bad reason is 400; the key stays valid', async () => {
    const target = await createKey(t);
    const feedOnly = await t.apiKey(['feed:read', 'introspect', 'scim', 'hooks']);
    const byNonAdmin = await t.api('DELETE', `/v1/api-keys/${target.id}`, undefined, feedOnly);
    expect(byNonAdmin.status).toBe(403);
    expect(byNonAdmin.body.code).toBe('ERR_FORBIDDEN');
    const anonymous = await t.api('DELETE', `/v1/api-keys/${target.id}`, undefined, null);
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.code).toBe('ERR_UNAUTHENTICATED');
    const unknown = await t.api('DELETE', '/v1/api-keys/key_doesnotexist');
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe('ERR_NOT_FOUND');
    const badReason = await t.api('DELETE', `/v1/api-keys/${target.id}?reason=whim`);
    expect(badReason.status).toBe(400);
    expect(await feedStatus(t, target.key)).toBe(200);
    const listed = (await t.api('GET', '/v1/api-keys')).body.api_keys.find(
      (key: { id: string }) => key.id === target.id,
    );
    expect(listed.status).toBe('active');
  });

  it('a key with expires_at is refused from that instant on, and listed as expired', async () => {
    const expiresAtMs = Date.now() + 1_000;
    const created = await createKey(t, { expires_at: new Date(expiresAtMs).toISOString() });
    expect(created.expires_at).toBe(new Date(expiresAtMs).toISOString());
    let acceptedBefore = 0;
    let acceptedAfter = 0;
    let refusedAfter = 0;
    while (Date.now() < expiresAtMs + 300) {
      const startedAt = Date.now();
      const status = await feedStatus(t, created.key);
      if (startedAt < expiresAtMs - 50 && status === 200) acceptedBefore += 1;
      if (startedAt >= expiresAtMs) {
        if (status === 200) acceptedAfter += 1;
        else if (status === 401) refusedAfter += 1;
      }
    }
    expect(acceptedBefore).toBeGreaterThan(0);
    expect(acceptedAfter).toBe(0);
    expect(refusedAfter).toBeGreaterThan(0);
    const listed = (await t.api('GET', '/v1/api-keys')).body.api_keys.find(
      (key: { id: string }) => key.id === created.id,
    );
    expect(listed).toMatchObject({ status: 'expired', revoked_at: null });
  });

  it('refuses an expires_at in the past or not a date', async () => {
    const past = await t.api('POST', '/v1/api-keys', {
      name: 'x',
      scopes: ['feed:read'],
      expires_at: new Date(Date.now() - 1000).toISOString(),
    });
    expect(past.status).toBe(400);
    expect(past.body.message).toContain('expires_at');
    const garbage = await t.api('POST', '/v1/api-keys', {
      name: 'x',
      scopes: ['feed:read'],
      expires_at: 'soon',
    });
    expect(garbage.status).toBe(400);
  });

  it('lists scopes, creator and status, and last_used_at written coalesced, not per request', async () => {
    const created = await createKey(t, { scopes: ['feed:read', 'introspect'] });
    const listed = () =>
      t
        .api('GET', '/v1/api-keys')
        .then((response) => response.body.api_keys.find((key: { id: string }) => key.id === created.id));
    expect(await listed()).toEqual({
      id: created.id,
      name: 'app',
      scopes: ['feed:read', 'introspect'],
      status: 'active',
      created_at: expect.any(String),
      created_by: { type: 'admin', id: 'bootstrap' },
      expires_at: null,
      last_used_at: null,
      revoked_at: null,
    });

    const writesBefore = await metricValue(t, 'cutoff_api_key_last_used_writes_total');
    const startedMs = Date.now();
    const requests = 200;
    for (let index = 0; index < requests; index += 1) expect(await feedStatus(t, created.key)).toBe(200);
    const lastRequestMs = Date.now();
    let lastUsedAt: string | null = null;
    while (Date.now() < lastRequestMs + 2_000) {
      lastUsedAt = (await listed()).last_used_at;
      if (lastUsedAt !== null && Date.parse(lastUsedAt) >= lastRequestMs - 5) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(lastUsedAt).not.toBeNull();
    expect(Date.parse(lastUsedAt!)).toBeGreaterThanOrEqual(startedMs);
    expect(Date.parse(lastUsedAt!)).toBeLessThanOrEqual(Date.now());
    // At most one write per flush interval (300 ms) for this key, plus the other keys used meanwhile
    // (the admin key of this test's GETs is the configured one and is not stored).
    const writes = (await metricValue(t, 'cutoff_api_key_last_used_writes_total')) - writesBefore;
    const intervals = Math.ceil((Date.now() - startedMs) / 300) + 1;
    expect(writes).toBeGreaterThan(0);
    expect(writes).toBeLessThanOrEqual(intervals);
    expect(writes).toBeLessThan(requests / 4);
  });

  it('creator of a key made with another admin key is that key', async () => {
    const admin = await createKey(t, { scopes: ['admin'] });
    const child = await t.api('POST', '/v1/api-keys', { name: 'child', scopes: ['scim'] }, admin.key);
    expect(child.body.created_by).toEqual({ type: 'api_key', id: admin.id });
  });
});

describe('last_used_at on shutdown', () => {
  it('a server that stops writes the last use it had not flushed yet', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'cutoff-apikeys-'));
    try {
      // An hour between flushes: only the shutdown can have written it.
      const t = await startTestServer({
        store: createSqliteStore({ dataDir }),
        config: { apiKeyLastUsedFlushMs: 3_600_000 },
      });
      const created = await createKey(t);
      expect(await feedStatus(t, created.key)).toBe(200);
      const usedBy = Date.now();
      await t.close();
      const reopened = createSqliteStore({ dataDir });
      const stored = await reopened.read((r) => r.apiKeys.findById(created.id as ApiKeyId));
      await reopened.close();
      expect(stored?.lastUsedAt?.getTime()).toBeLessThanOrEqual(usedBy);
      expect(stored?.lastUsedAt?.getTime()).toBeGreaterThan(usedBy - 5_000);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe('rotating the bootstrap admin key (CUTOFF_ADMIN_KEY_PREVIOUS)', () => {
  const previousKey = `old-admin-key-${randomBytes(8).toString('hex')}`;
  // The server's clock runs at real speed; the test moves it forward to just before the window ends.
  let offsetMs = 0;
  const clock = { now: () => new Date(Date.now() + offsetMs) };
  const untilMs = Date.now() + 3_600_000;
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({
      clock,
      config: { adminKeyPrevious: previousKey, adminKeyPreviousUntil: new Date(untilMs).toISOString() },
    });
  });
  afterAll(() => t.close());

  it('accepts old and new key during the window, audits who used which, then only the new one', async () => {
    const byOld = await t.api(
      'POST',
      '/v1/api-keys',
      { name: 'made-with-old', scopes: ['scim'] },
      previousKey,
    );
    expect(byOld.status).toBe(201);
    expect(byOld.body.created_by).toEqual({ type: 'admin', id: 'bootstrap-previous' });
    const events = (await t.api('GET', `/v1/audit?target=api_key:${byOld.body.id}`)).body.events;
    expect(events[0]).toMatchObject({
      action: 'api_key.created',
      actor: { type: 'admin', id: 'bootstrap-previous' },
    });
    expect((await t.api('GET', '/v1/api-keys', undefined, ADMIN_KEY)).status).toBe(200);

    offsetMs = untilMs - 300 - Date.now();
    let acceptedBefore = 0;
    let acceptedAfter = 0;
    let refusedAfter = 0;
    while (clock.now().getTime() < untilMs + 300) {
      const startedAt = clock.now().getTime();
      const status = (await t.api('GET', '/v1/api-keys', undefined, previousKey)).status;
      if (startedAt < untilMs - 50 && status === 200) acceptedBefore += 1;
      if (startedAt >= untilMs) {
        if (status === 200) acceptedAfter += 1;
        else if (status === 401) refusedAfter += 1;
      }
    }
    expect(acceptedBefore).toBeGreaterThan(0);
    expect(acceptedAfter).toBe(0);
    expect(refusedAfter).toBeGreaterThan(0);
    expect((await t.api('GET', '/v1/api-keys', undefined, ADMIN_KEY)).status).toBe(200);
  });
});

describe.skipIf(postgresTestsSkipped())('API key revocation across two replicas on PostgreSQL', () => {
  const schema = `cutoff_apikeys_${randomBytes(4).toString('hex')}`;
  const cacheMs = 1_000;
  let a: TestServer;
  let b: TestServer;

  beforeAll(async () => {
    // No Redis: the bound comes from the authenticator's cache, not from any feed notification.
    const config = { apiKeyCacheMs: cacheMs };
    a = await startTestServer({
      store: createPostgresStore({ connectionString: testDatabaseUrl(), schema, maxConnections: 4 }),
      config,
    });
    b = await startTestServer({
      store: createPostgresStore({ connectionString: testDatabaseUrl(), schema, maxConnections: 4 }),
      config,
    });
  });
  afterAll(async () => {
    await a.close();
    await b.close();
    await dropSchemas(testDatabaseUrl(), [schema]);
  });

  it('a key revoked on one replica is refused on the other within CUTOFF_API_KEY_CACHE_MS', async () => {
    const created = await createKey(a);
    expect(await feedStatus(b, created.key)).toBe(200); // B has it cached now

    const revoked = await a.api('DELETE', `/v1/api-keys/${created.id}`);
    const returnedAt = performance.now();
    expect(revoked.status).toBe(200);
    expect(await feedStatus(a, created.key)).toBe(401);

    let acceptedAfterBound = 0;
    let refusedAfterBound = 0;
    let firstRefusalMs: number | undefined;
    while (performance.now() < returnedAt + cacheMs + 500) {
      const startedAt = performance.now();
      const status = await feedStatus(b, created.key);
      if (status === 401 && firstRefusalMs === undefined) firstRefusalMs = startedAt - returnedAt;
      if (startedAt >= returnedAt + cacheMs) {
        if (status === 200) acceptedAfterBound += 1;
        else if (status === 401) refusedAfterBound += 1;
      }
    }
    expect(acceptedAfterBound).toBe(0);
    expect(refusedAfterBound).toBeGreaterThan(0);
    expect(firstRefusalMs).toBeLessThanOrEqual(cacheMs);
  });

  it("the other replica's open feed stream of a revoked key ends within the cache bound and a heartbeat", async () => {
    const created = await createKey(a);
    const stream = await openStream(b, created.key);
    while (stream.heartbeats() === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    expect((await a.api('DELETE', `/v1/api-keys/${created.id}`)).status).toBe(200);
    const returnedAt = performance.now();
    await stream.done;
    expect(stream.ended()! - returnedAt).toBeLessThanOrEqual(cacheMs + b.config.feedHeartbeatMs + 100);
  });
});
