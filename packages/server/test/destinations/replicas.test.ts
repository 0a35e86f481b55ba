import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresStore } from '../../src/adapters/storage/index.js';
import { ManualScheduler } from '../support/manual-scheduler.js';
import { dropSchemas, postgresTestsSkipped, testDatabaseUrl } from '../support/stores.js';
import { ADMIN_KEY, freePort, startTestServer, type TestServer } from '../support/test-server.js';
import { createWebhookReceiver, webhookSecret, type WebhookReceiver } from '../support/webhook-receiver.js';

/*
 * Two replicas on one PostgreSQL schema: one in this process, one a real `cutoff serve` child
 * process (from the build, as users run it) that the test can SIGKILL mid-batch.
 */

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../../../', import.meta.url));
const bin = join(root, 'packages/server/dist/cli/main.js');
const LEASE_MS = 1500;

const startChildReplica = async (schema: string): Promise<{ child: ChildProcess; url: string }> => {
  const port = await freePort();
  const database = `${testDatabaseUrl()}?options=${encodeURIComponent(`-c search_path=${schema}`)}`;
  const child = spawn(process.execPath, [bin, 'serve'], {
    env: {
      ...process.env,
      CUTOFF_PORT: String(port),
      CUTOFF_DATABASE_URL: database,
      CUTOFF_ADMIN_KEY: ADMIN_KEY,
      CUTOFF_LOG_LEVEL: 'warn',
      CUTOFF_CANARY_INTERVAL_SECONDS: '0',
      CUTOFF_DESTINATION_POLL_MS: '50',
      CUTOFF_DESTINATION_LEASE_MS: String(LEASE_MS),
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const url = `http://127.0.0.1:${port}`;
  for (let attempt = 0; attempt < 150; attempt += 1) {
    try {
      if ((await fetch(`${url}/readyz`)).ok) return { child, url };
    } catch {
      // not up yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`replica did not start: ${stderr}`);
};

const childApi = async (url: string, method: string, path: string, body?: unknown) => {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${ADMIN_KEY}`,
      ...(body !== undefined && { 'content-type': 'application/json' }),
    },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as any };
};

const until = async (check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
};

describe.skipIf(postgresTestsSkipped())('destinations across two replicas (PostgreSQL)', () => {
  let schema: string;
  let inProcess: TestServer | undefined;
  let child: ChildProcess | undefined;
  let receiver: WebhookReceiver | undefined;

  beforeAll(async () => {
    await run(process.execPath, [
      join(root, 'node_modules/typescript/bin/tsc'),
      '-b',
      join(root, 'packages/server'),
    ]);
  }, 180_000);

  const startPair = async (scheduler?: ManualScheduler) => {
    schema = `cutoff_test_dest_${randomBytes(5).toString('hex')}`;
    const store = createPostgresStore({ connectionString: testDatabaseUrl(), schema, maxConnections: 4 });
    inProcess = await startTestServer({
      store,
      ...(scheduler !== undefined && { scheduler }),
      config: { destinationPollMs: 50, destinationLeaseMs: LEASE_MS },
    });
    const replica = await startChildReplica(schema);
    child = replica.child;
    return { a: inProcess, b: replica };
  };

  afterEach(async () => {
    child?.kill('SIGKILL');
    await receiver?.stop();
    await inProcess?.close();
    await inProcess?.store.close();
    await dropSchemas(testDatabaseUrl(), [schema]);
    child = undefined;
    inProcess = undefined;
  });

  it('two competing replicas: one sender at a time, every seq in order', async () => {
    const { a, b } = await startPair();
    const secret = webhookSecret();
    receiver = createWebhookReceiver(await freePort(), secret);
    receiver.delayMs = 20;
    await receiver.start();
    expect(
      (
        await a.api('PUT', '/v1/destinations/siem', {
          type: 'http',
          url: receiver.url,
          secret,
          batch_size: 4,
        })
      ).status,
    ).toBe(201);
    // Writes through both replicas while both workers poll every 50 ms.
    for (let i = 0; i < 12; i += 1) {
      if (i % 2 === 0) await a.createUser();
      else
        expect(
          (await childApi(b.url, 'POST', '/v1/users', { username: `b-user-${i}`, roles: [], groups: [] }))
            .status,
        ).toBe(201);
    }
    const head = (await a.api('GET', '/v1/destinations/siem')).body.status.head_seq as number;
    await receiver.waitForSeq(head, 20_000);

    expect(receiver.deduped.map((event) => event.data['seq'])).toEqual(
      Array.from({ length: head }, (_, i) => i + 1),
    );
    expect(receiver.maxConcurrent).toBe(1);
    expect(receiver.badSignatures).toBe(0);
    // Both replicas report the same cursor from the store.
    await until(
      async () => (await childApi(b.url, 'GET', '/v1/destinations/siem')).body.status.delivered_seq === head,
      5000,
      'B to see the cursor',
    );
  }, 60_000);

  it('a replica SIGKILLed mid-batch: the other takes the lease after it expires and nothing is lost', async () => {
    // The in-process replica only delivers when the test tells it to, so the child holds the lease.
    const scheduler = new ManualScheduler();
    const { a, b } = await startPair(scheduler);
    const secret = webhookSecret();
    receiver = createWebhookReceiver(await freePort(), secret);
    await receiver.start();
    receiver.behaviour = { hang: true };
    for (let i = 0; i < 5; i += 1)
      expect(
        (await childApi(b.url, 'POST', '/v1/users', { username: `k-user-${i}`, roles: [], groups: [] }))
          .status,
      ).toBe(201);
    expect(
      (
        await childApi(b.url, 'PUT', '/v1/destinations/siem', {
          type: 'http',
          url: receiver.url,
          secret,
          batch_size: 3,
          timeout_ms: 30_000,
        })
      ).status,
    ).toBe(201);
    await until(() => Promise.resolve(receiver!.inFlight === 1), 10_000, 'the child to send its first batch');
    const holder = (await a.api('GET', '/v1/destinations/siem')).body.status.lease_holder as string;
    expect(holder).not.toBe(a.server.deliveries.holder);

    child?.kill('SIGKILL');
    receiver.behaviour = { status: 200 };
    // Within the dead replica's lease the survivor must not send: one sender at a time.
    await a.server.deliveries.runNow();
    const during = (await a.api('GET', '/v1/destinations/siem')).body.status;
    if (during.lease_holder !== null) {
      expect(during.lease_holder).toBe(holder);
      expect(receiver.deduped).toEqual([]);
    }
    // After the lease expires it takes over and delivers everything, in order.
    await until(
      async () => {
        await a.server.deliveries.runNow();
        const status = (await a.api('GET', '/v1/destinations/siem')).body.status;
        return status.lag_events === 0;
      },
      LEASE_MS * 4,
      'the survivor to catch up',
    );
    const status = (await a.api('GET', '/v1/destinations/siem')).body.status;
    expect(status.lease_holder).toBe(a.server.deliveries.holder);
    expect(receiver.deduped.map((event) => event.data['seq'])).toEqual(
      Array.from({ length: status.head_seq }, (_, i) => i + 1),
    );
  }, 60_000);
});
