import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualScheduler } from '../support/manual-scheduler.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { startGuardedApp, type RunningApp } from './apps.js';

/** Five looks per interval, each jittered by up to half of its length. */
const INTERVAL_SECONDS = 60;
const LONGEST_LOOK_MS = (INTERVAL_SECONDS * 1000 * 1.5) / 5;

describe('the canary schedule, driven by a manual scheduler', () => {
  let t: TestServer;
  let app: RunningApp;
  const scheduler = new ManualScheduler();
  const look = async () => {
    scheduler.advance(LONGEST_LOOK_MS);
    await t.server.canary.idle();
  };
  const runs = async () => (await t.api('GET', '/v1/canary/runs')).body.runs as { ok: boolean }[];

  beforeAll(async () => {
    t = await startTestServer({
      scheduler,
      config: { canaryIntervalSeconds: INTERVAL_SECONDS, canaryDeadlineMs: 1000 },
    });
    app = await startGuardedApp({ issuer: t.url, feedApiKey: await t.apiKey(['feed:read']), app: 'orders' });
  });

  afterAll(async () => {
    await app.close();
    await t.close();
  });

  it('stays idle until a probe is registered: no account, no revocation', async () => {
    await look();
    await look();
    expect(await runs()).toEqual([]);
    expect((await t.api('GET', '/v1/users?username=cutoff-canary')).body.users).toEqual([]);
    expect((await t.api('GET', '/v1/revocations?after=0')).body.head).toBe(0);
  });

  it('runs a cycle at the first look once a probe exists, then none until the interval lease expires', async () => {
    await t.api('PUT', '/v1/canary/probes/orders', { url: app.url });
    await look();
    expect((await runs()).map((run) => run.ok)).toEqual([true]);
    // The interval lease runs on the wall clock: the next looks within the minute find it taken.
    await look();
    await look();
    expect(await runs()).toHaveLength(1);
  });
});
