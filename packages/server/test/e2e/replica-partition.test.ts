import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresStore } from '../../src/adapters/storage/index.js';
import { MAX_VOUCH_AGE_MS } from '../../src/use-cases/feed/revocation-feed-hub.js';
import { eventually, startProtectedApp, type ProtectedApp } from '../support/protected-app.js';
import { dropSchemas, postgresTestsSkipped, testDatabaseUrl } from '../support/stores.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

/*
 * Two replicas share one PostgreSQL schema; replica B reaches it through a proxy the test
 * partitions (refused, then black-holed) while a revocation goes through replica A. The guard
 * streaming from B must apply the revocation or say it is degraded and refuse: its heartbeats
 * vouch only for what B read from the store, and as of when. Counted on every turn of the event
 * loop: no acceptance later than `maxStalenessMs` after the partition began.
 */

const MAX_STALENESS_MS = 1500;
const WATCH_MS = MAX_STALENESS_MS + 1500;
const yieldToIo = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe.skipIf(postgresTestsSkipped())('a replica partitioned from PostgreSQL stops vouching', () => {
  const schema = `cutoff_partition_${randomBytes(4).toString('hex')}`;
  let a: TestServer;
  let b: TestServer;
  let storeLink: TcpProxy;
  let app: ProtectedApp;
  let introspectKey: string;
  const introspectOnB = (token: string) =>
    b.form('/oauth/introspect', { token }, { authorization: `Bearer ${introspectKey}` });

  beforeAll(async () => {
    const database = new URL(testDatabaseUrl());
    storeLink = await startTcpProxy(database.hostname, Number(database.port || 5432));
    const config = { feedPollMs: 100 };
    a = await startTestServer({
      store: createPostgresStore({ connectionString: database.toString(), schema, maxConnections: 4 }),
      config,
    });
    const viaLink = new URL(database);
    viaLink.host = `127.0.0.1:${storeLink.port}`;
    b = await startTestServer({
      store: createPostgresStore({ connectionString: viaLink.toString(), schema, maxConnections: 4 }),
      config,
    });
    app = await startProtectedApp({
      issuer: b.url,
      feedUrl: b.url,
      feedApiKey: await a.apiKey(['feed:read']),
      maxStalenessMs: MAX_STALENESS_MS,
    });
    introspectKey = await a.apiKey(['introspect']);
  });
  afterAll(async () => {
    await app.close();
    storeLink.cut();
    await b.close();
    await a.close();
    await storeLink.close();
    await dropSchemas(testDatabaseUrl(), [schema]);
  });

  for (const partition of ['cut', 'blackHole'] as const) {
    it(`${partition === 'cut' ? 'refused' : 'black-holed'}: the guard on the cut-off replica accepts the revoked token no later than maxStalenessMs`, async () => {
      const victim = await a.createUser();
      const token = (await b.login(victim.username, victim.password)).body.access_token as string;
      await eventually(async () => (await app.status(token)) === 200, 3000);
      // Also loads B's API-key cache, so B can still authenticate the caller while partitioned.
      expect((await introspectOnB(token)).body).toMatchObject({ active: true });

      storeLink[partition]();
      const partitionedAt = performance.now();
      const revoked = await a.api('POST', '/v1/revocations', {
        target: { type: 'user', id: victim.id },
        reason: 'security_incident',
      });
      expect(revoked.status).toBe(201);
      let late = 0;
      let checks = 0;
      for (let now = performance.now(); now - partitionedAt < WATCH_MS; now = performance.now()) {
        const result = app.guard.check(token);
        if (result === undefined) throw new Error('token not cached');
        checks += 1;
        if (result.ok && now - partitionedAt > MAX_STALENESS_MS) late += 1;
        await yieldToIo();
      }
      expect(late).toBe(0);
      if (partition === 'cut') {
        // B's fleet view does not claim "lag 0" for guards it cannot compare with the store.
        const fleet = await b.api('GET', '/v1/guards');
        expect(fleet.status).toBe(503);
        expect(fleet.body.error).toBe('store_unavailable');
      }
      expect(checks).toBeGreaterThan(1000);
      expect(app.guard.status().degraded).toBe(true);
      expect(app.guard.check(token)).toMatchObject({ ok: false, error: { code: 'ERR_GUARD_STALE' } });
      // B's introspection, which the guard's `introspect` policy would ask, no longer vouches either.
      await new Promise((resolve) =>
        setTimeout(resolve, MAX_VOUCH_AGE_MS + 100 - (performance.now() - partitionedAt)),
      );
      // (Or 503 store_unavailable, once B's cached API key needs a store read to authenticate.)
      const answer = await introspectOnB(token);
      if (answer.status === 503) expect(answer.body.error).toBe('store_unavailable');
      else expect(answer.body).toEqual({ active: false });

      storeLink.resume();
      const head = revoked.body.seq as number;
      await eventually(() => {
        const status = app.guard.status();
        return !status.degraded && status.seqApplied >= head;
      }, 10_000);
      expect(app.guard.check(token)).toMatchObject({ ok: false, error: { code: 'ERR_TOKEN_REVOKED' } });
      await eventually(async () => {
        const fleet = (await b.api('GET', '/v1/guards')).body;
        return fleet.guards?.some(
          (guard: { lag: number; degraded: boolean }) => guard.lag === 0 && !guard.degraded,
        );
      }, 10_000);
    });
  }
});
