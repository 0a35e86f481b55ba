import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresStore } from '../../src/adapters/storage/index.js';
import { dropSchemas, postgresTestsSkipped, testDatabaseUrl } from '../support/stores.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { startGuardedApp, type RunningApp } from './apps.js';

describe.skipIf(postgresTestsSkipped())('the scheduled canary on two replicas sharing PostgreSQL', () => {
  const schema = `cutoff_canary_${randomBytes(4).toString('hex')}`;
  let a: TestServer;
  let b: TestServer;
  let app: RunningApp;

  beforeAll(async () => {
    // One issuer for the deployment, as behind a load balancer: tokens of either replica verify.
    const config = { canaryIntervalSeconds: 1, canaryDeadlineMs: 1500, issuer: 'http://cutoff.test' };
    a = await startTestServer({
      store: createPostgresStore({ connectionString: testDatabaseUrl(), schema, maxConnections: 4 }),
      config,
    });
    b = await startTestServer({
      store: createPostgresStore({ connectionString: testDatabaseUrl(), schema, maxConnections: 4 }),
      config,
    });
    app = await startGuardedApp({
      issuer: 'http://cutoff.test',
      jwksUri: `${a.url}/.well-known/jwks.json`,
      feedUrl: a.url,
      feedApiKey: await a.apiKey(['feed:read']),
      app: 'orders',
    });
    expect((await a.api('PUT', '/v1/canary/probes/orders', { url: app.url })).status).toBe(201);
  });

  afterAll(async () => {
    await app?.close();
    await b?.close();
    await a?.close();
    await dropSchemas(testDatabaseUrl(), [schema]);
  });

  it('runs one cycle per interval between them, never two in one interval, each passing', async () => {
    const watchStarted = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 5500));
    const runs = (await b.api('GET', '/v1/canary/runs?limit=100')).body.runs as {
      id: string;
      started_at: string;
      ok: boolean;
    }[];
    const windowSeconds = (Date.now() - watchStarted) / 1000;
    const starts = runs
      .map((run) => Date.parse(run.started_at))
      .filter((start) => start >= watchStarted)
      .sort((x, y) => x - y);
    // About one per second (a cycle that ends a user, group or role entry may spill into the next).
    expect(starts.length).toBeGreaterThanOrEqual(3);
    expect(starts.length).toBeLessThanOrEqual(Math.ceil(windowSeconds) + 1);
    const all = runs.map((run) => Date.parse(run.started_at)).sort((x, y) => x - y);
    // The interval lease is dated when a replica looks (`canary-runner.ts`); `started_at` is read
    // after that look's transaction and the run lease's, tens of ms later on a loaded machine
    // (a CI run saw 970 ms between starts). Two cycles in one interval would be
    // two replicas' independent looks, hundreds of ms apart at most; 850 ms still tells them apart.
    for (let index = 1; index < all.length; index += 1)
      expect(all[index]! - all[index - 1]!).toBeGreaterThanOrEqual(850);
    expect(runs.filter((run) => !run.ok)).toEqual([]);
    // Every replica reports the latest cycle's verdict per probe, whichever replica ran it.
    for (const replica of [a, b]) {
      const metrics = await fetch(`${replica.url}/metrics`).then((response) => response.text());
      expect(metrics).toMatch(/^cutoff_canary_probe_passed\{probe="orders"\} 1$/m);
    }
    // Both replicas answer from the one store: a sees every run b saw (and perhaps one begun since).
    const seenByA = new Set(
      ((await a.api('GET', '/v1/canary/runs?limit=100')).body.runs as { id: string }[]).map((run) => run.id),
    );
    expect(runs.map((run) => run.id).filter((id) => !seenByA.has(id))).toEqual([]);
  });
});
