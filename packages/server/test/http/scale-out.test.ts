import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresStore } from '../../src/adapters/storage/index.js';
import { openSse } from '../support/sse.js';
import { dropSchemas, postgresTestsSkipped, testDatabaseUrl } from '../support/stores.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const REDIS_URL = process.env.CUTOFF_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

describe.skipIf(postgresTestsSkipped())('two replicas on PostgreSQL with Redis fan-out', () => {
  const schema = `cutoff_scale_${randomBytes(4).toString('hex')}`;
  const prefix = `cutoff-test-${randomBytes(4).toString('hex')}`;
  let a: TestServer;
  let b: TestServer;

  beforeAll(async () => {
    // Polling is slowed right down, so only Redis can deliver within the test's deadlines.
    const config = { redisUrl: REDIS_URL, redisKeyPrefix: prefix, feedPollMs: 60_000, loginMaxFailures: 4 };
    const storeA = createPostgresStore({ connectionString: testDatabaseUrl(), schema, maxConnections: 4 });
    a = await startTestServer({ store: storeA, config });
    const storeB = createPostgresStore({ connectionString: testDatabaseUrl(), schema, maxConnections: 4 });
    b = await startTestServer({ store: storeB, config });
  });
  afterAll(async () => {
    await a.close();
    await b.close();
    await dropSchemas(testDatabaseUrl(), [schema]);
  });

  it("a revocation made on one replica reaches the other replica's stream and introspection", async () => {
    const feedKey = await a.apiKey(['feed:read', 'introspect']);
    const streamOnB = await openSse(`${b.url}/v1/revocations/stream`, { authorization: `Bearer ${feedKey}` });
    await streamOnB.waitFor((event) => event.event === 'heartbeat');

    const user = await a.createUser();
    const login = (await b.login(user.username, user.password)).body;
    const introspectOnB = async () =>
      (
        await b.form(
          '/oauth/introspect',
          { token: login.access_token },
          { authorization: `Bearer ${feedKey}` },
        )
      ).body;
    expect((await introspectOnB()).active).toBe(true);

    const started = Date.now();
    const revoked = (
      await a.api('POST', '/v1/revocations', { target: { type: 'user', id: user.id }, reason: 'offboarding' })
    ).body;
    const event = await streamOnB.waitFor((candidate) => candidate.id === String(revoked.seq), 2_000);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(JSON.parse(event.data)).toMatchObject({ kind: 'user', key: user.id });
    expect(await introspectOnB()).toEqual({ active: false });
    // The refresh token is dead on every replica: the store is the source of truth.
    const refresh = await b.form('/oauth/token', {
      grant_type: 'refresh_token',
      refresh_token: login.refresh_token,
      client_id: 'cutoff',
    });
    expect(refresh.body.error).toBe('invalid_grant');
    streamOnB.close();
  });

  it('counts failed logins across replicas: an attacker spreading guesses gets no more tries', async () => {
    const user = await a.createUser();
    for (const replica of [a, b, a, b]) {
      expect((await replica.login(user.username, 'wrong-password')).status).toBe(401);
    }
    for (const replica of [a, b]) {
      const limited = await replica.login(user.username, user.password);
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    }
  });
});

describe.skipIf(postgresTestsSkipped())('two replicas when Redis is unreachable', () => {
  const schema = `cutoff_noredis_${randomBytes(4).toString('hex')}`;
  let a: TestServer;
  let b: TestServer;

  beforeAll(async () => {
    const config = { redisUrl: 'redis://127.0.0.1:1', feedPollMs: 100 };
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

  it('still commits revocations and delivers them to other replicas by polling the store', async () => {
    const key = await a.apiKey(['feed:read']);
    const streamOnB = await openSse(`${b.url}/v1/revocations/stream`, { authorization: `Bearer ${key}` });
    const revoked = await a.api('POST', '/v1/revocations', {
      target: { type: 'token', id: 'jti-x' },
      reason: 'manual',
    });
    expect(revoked.status).toBe(201);
    await streamOnB.waitFor((event) => event.id === String(revoked.body.seq), 3_000);
    streamOnB.close();
  });
});
