import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresStore } from '../../src/adapters/storage/index.js';
import type { UserRecord } from '../../src/domain/records.js';
import type { TransactionRetry } from '../../src/ports/storage/store.js';
import { makeUser } from '../storage/fixtures.js';
import {
  dropSchemas,
  kyselyOf,
  postgresTestStores,
  postgresTestsSkipped,
  testDatabaseUrl,
} from '../support/stores.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const logLines = (t: TestServer): Record<string, any>[] =>
  t.logs
    .flatMap((chunk) => chunk.split('\n'))
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, any>);

describe.skipIf(postgresTestsSkipped())('PostgreSQL reachable but not answering', () => {
  let t: TestServer;
  let proxy: TcpProxy;
  const schema = `cutoff_blackhole_${process.pid}_${Date.now().toString(36)}`;
  const connectionTimeoutMs = 1000;

  beforeAll(async () => {
    const target = new URL(testDatabaseUrl());
    proxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
    const viaProxy = new URL(testDatabaseUrl());
    viaProxy.port = String(proxy.port);
    const store = createPostgresStore({
      connectionString: viaProxy.toString(),
      schema,
      maxConnections: 4,
      connectionTimeoutMs,
    });
    t = await startTestServer({ store });
  });
  afterAll(async () => {
    proxy.resume();
    await t.close();
    await proxy.close();
    await dropSchemas(testDatabaseUrl(), [schema]);
  });

  it('a pool connect timeout answers 503 ERR_STORE_UNAVAILABLE with Retry-After, for reads and revocations', async () => {
    const user = await t.createUser();
    proxy.blackHole({ dropOpen: true });
    const started = Date.now();
    // More callers than the pool has connections: some wait for a connection that never comes.
    const responses = await Promise.all(
      Array.from({ length: 10 }, (_, index) =>
        index % 2 === 0
          ? t.api('POST', '/v1/revocations', { target: { type: 'user', id: user.id }, reason: 'offboarding' })
          : t.api('GET', `/v1/users/${user.id}`),
      ),
    );
    const elapsedMs = Date.now() - started;
    for (const response of responses) {
      expect(response.status).toBe(503);
      expect(response.body).toMatchObject({ code: 'ERR_STORE_UNAVAILABLE' });
      expect(response.headers.get('retry-after') ?? '').toMatch(/^\d+$/);
      expect(JSON.stringify(response.body)).not.toMatch(/timeout|127\.0\.0\.1/);
    }
    // The configured connect timeout, not a hang.
    expect(elapsedMs).toBeLessThan(connectionTimeoutMs * 4);
    expect(logLines(t).filter((line) => line.msg === 'unhandled error')).toEqual([]);

    proxy.resume();
    const retried = await t.api('POST', '/v1/revocations', {
      target: { type: 'user', id: user.id },
      reason: 'offboarding',
    });
    expect(retried.status).toBe(201);
  });
});

describe.skipIf(postgresTestsSkipped())('concurrent revocations and refreshes of the same sessions', () => {
  let t: TestServer;
  const schema = `cutoff_deadlock_${process.pid}_${Date.now().toString(36)}`;

  beforeAll(async () => {
    // A pool as large as a production one, so the requests really run at the same time.
    const store = createPostgresStore({ connectionString: testDatabaseUrl(), schema, maxConnections: 16 });
    t = await startTestServer({ store });
  });
  afterAll(async () => {
    await t.close();
    await dropSchemas(testDatabaseUrl(), [schema]);
  });

  it('never answer 500: each revocation is 201 (or a retryable 503) and none is lost', async () => {
    const rounds = 4;
    const perRound = 24;
    const statuses: number[] = [];
    const committed: string[] = [];
    for (let round = 0; round < rounds; round += 1) {
      const logins = await Promise.all(
        Array.from({ length: perRound }, async () => {
          const user = await t.createUser();
          const login = (await t.login(user.username, user.password)).body as {
            session_id: string;
            refresh_token: string;
          };
          return { ...login, user_id: user.id };
        }),
      );
      expect(logins.every((login) => typeof login.session_id === 'string')).toBe(true);
      const revokeUntilDone = async (sessionId: string): Promise<void> => {
        for (;;) {
          const response = await t.api('POST', '/v1/revocations', {
            target: { type: 'session', id: sessionId },
            reason: 'security_incident',
          });
          statuses.push(response.status);
          if (response.status === 201) {
            committed.push(sessionId);
            return;
          }
          expect(response.status).toBe(503);
          expect(response.headers.get('retry-after') ?? '').toMatch(/^\d+$/);
        }
      };
      const refreshes = await Promise.all(
        logins.flatMap((login) => [
          revokeUntilDone(login.session_id).then(() => undefined),
          t.form('/oauth/token', {
            grant_type: 'refresh_token',
            refresh_token: login.refresh_token,
            client_id: 'cutoff',
          }),
        ]),
      );
      for (const refresh of refreshes) {
        if (refresh === undefined) continue;
        // Either the refresh won (200) or the revocation did (400 invalid_grant); never a 5xx.
        expect([200, 400]).toContain(refresh.status);
      }
      // Every session is revoked, and no token of it can be refreshed any more.
      for (const login of logins) {
        const sessions = (await t.api('GET', `/v1/users/${login.user_id}/sessions`)).body.sessions as {
          status: string;
        }[];
        expect(sessions.map((session) => session.status)).toEqual(['revoked']);
      }
    }
    expect(statuses.filter((status) => status >= 500 && status !== 503)).toEqual([]);
    expect(committed).toHaveLength(rounds * perRound);
    const entries = await kyselyOf(t.store)
      .selectFrom('revocations')
      .select('key')
      .where('kind', '=', 'session')
      .execute();
    const keys = new Set(entries.map((entry) => entry.key));
    for (const sessionId of committed) expect(keys.has(sessionId)).toBe(true);
  });
});

describe.skipIf(postgresTestsSkipped())(
  'refresh-token reuses racing revocations of the same sessions',
  () => {
    let t: TestServer;
    const schema = `cutoff_reuse_race_${process.pid}_${Date.now().toString(36)}`;

    beforeAll(async () => {
      const store = createPostgresStore({ connectionString: testDatabaseUrl(), schema, maxConnections: 16 });
      // No grace: a rotated token presented again is a reuse at once.
      t = await startTestServer({ store, config: { refreshGraceSeconds: 0 } });
    });
    afterAll(async () => {
      await t.close();
      await dropSchemas(testDatabaseUrl(), [schema]);
    });

    const retriesMetric = async (cause: string): Promise<number> => {
      const text = await (await fetch(`${t.url}/metrics`)).text();
      const line = text
        .split('\n')
        .find((candidate) =>
          candidate.startsWith(`cutoff_store_transaction_retries_total{cause="${cause}"}`),
        );
      return Number(line?.split(' ').at(-1));
    };

    it('take their locks in one order: no deadlock to retry, every revocation 201, every reuse refused', async () => {
      const rounds = 3;
      const perRound = 16;
      const revocations: number[] = [];
      const reuses: { status: number; error: unknown }[] = [];
      for (let round = 0; round < rounds; round += 1) {
        const retired = await Promise.all(
          Array.from({ length: perRound }, async () => {
            const user = await t.createUser();
            const login = (await t.login(user.username, user.password)).body as {
              session_id: string;
              refresh_token: string;
            };
            const rotated = await t.form('/oauth/token', {
              grant_type: 'refresh_token',
              refresh_token: login.refresh_token,
              client_id: 'cutoff',
            });
            expect(rotated.status).toBe(200);
            return { sessionId: login.session_id, userId: user.id, token: login.refresh_token };
          }),
        );
        // Each session at once: its retired token presented again (a reuse, which revokes the
        // session) and an admin revocation of it.
        await Promise.all(
          retired.flatMap(({ sessionId, token }) => [
            t
              .api('POST', '/v1/revocations', {
                target: { type: 'session', id: sessionId },
                reason: 'security_incident',
              })
              .then((response) => revocations.push(response.status)),
            t
              .form('/oauth/token', {
                grant_type: 'refresh_token',
                refresh_token: token,
                client_id: 'cutoff',
              })
              .then((response) => reuses.push({ status: response.status, error: response.body?.error })),
          ]),
        );
        for (const { userId } of retired) {
          const sessions = (await t.api('GET', `/v1/users/${userId}/sessions`)).body.sessions as {
            status: string;
          }[];
          expect(sessions.map((session) => session.status)).toEqual(['revoked']);
        }
      }
      expect(revocations).toEqual(Array.from({ length: rounds * perRound }, () => 201));
      expect(reuses).toEqual(
        Array.from({ length: rounds * perRound }, () => ({ status: 400, error: 'invalid_grant' })),
      );
      // A deadlock PostgreSQL broke would have been retried (correct, but only after its 1 s
      // deadlock_timeout): counted and logged, so none may have happened.
      const retried = logLines(t).filter((line) => line.msg === 'store transaction retried after a conflict');
      expect(retried).toEqual([]);
      expect(await retriesMetric('deadlock')).toBe(0);
      expect(await retriesMetric('serialization_failure')).toBe(0);
    });
  },
);

describe.skipIf(postgresTestsSkipped())(
  'user changes that revoke, racing revocations of the same sessions',
  () => {
    let t: TestServer;
    const schema = `cutoff_change_race_${process.pid}_${Date.now().toString(36)}`;

    beforeAll(async () => {
      const store = createPostgresStore({ connectionString: testDatabaseUrl(), schema, maxConnections: 16 });
      t = await startTestServer({ store });
    });
    afterAll(async () => {
      await t.close();
      await dropSchemas(testDatabaseUrl(), [schema]);
    });

    const retriesMetric = async (cause: string): Promise<number> => {
      const text = await (await fetch(`${t.url}/metrics`)).text();
      const line = text
        .split('\n')
        .find((candidate) =>
          candidate.startsWith(`cutoff_store_transaction_retries_total{cause="${cause}"}`),
        );
      return Number(line?.split(' ').at(-1));
    };

    it('take their locks in one order: a role downgrade and an admin revocation, no deadlock to retry', async () => {
      const rounds = 2;
      const perRound = 12;
      const downgrades: number[] = [];
      const revocations: number[] = [];
      for (let round = 0; round < rounds; round += 1) {
        const logins = await Promise.all(
          Array.from({ length: perRound }, async () => {
            const user = await t.createUser({ roles: ['admin', 'reader'] });
            const login = (await t.login(user.username, user.password)).body as { session_id: string };
            return { sessionId: login.session_id, userId: user.id };
          }),
        );
        // Each user at once: a role taken away (which revokes the user: `user.updated`, then the
        // revocation) and an admin revocation of their session.
        await Promise.all(
          logins.flatMap(({ sessionId, userId }) => [
            t
              .api('PATCH', `/v1/users/${userId}`, { roles: ['reader'] })
              .then((response) => downgrades.push(response.status)),
            t
              .api('POST', '/v1/revocations', {
                target: { type: 'session', id: sessionId },
                reason: 'security_incident',
              })
              .then((response) => revocations.push(response.status)),
          ]),
        );
        for (const { userId } of logins) {
          const sessions = (await t.api('GET', `/v1/users/${userId}/sessions`)).body.sessions as {
            status: string;
          }[];
          expect(sessions.map((session) => session.status)).toEqual(['revoked']);
        }
      }
      expect(downgrades).toEqual(Array.from({ length: rounds * perRound }, () => 200));
      expect(revocations).toEqual(Array.from({ length: rounds * perRound }, () => 201));
      const retried = logLines(t).filter((line) => line.msg === 'store transaction retried after a conflict');
      expect(retried).toEqual([]);
      expect(await retriesMetric('deadlock')).toBe(0);
      expect(await retriesMetric('serialization_failure')).toBe(0);
    });

    it('take their locks in one order: an incident response and a role downgrade, no deadlock to retry', async () => {
      const before = logLines(t).filter((line) => line.msg === 'store transaction retried after a conflict');
      const deadlocksBefore = await retriesMetric('deadlock');
      const statuses: number[] = [];
      const users = await Promise.all(
        Array.from({ length: 16 }, async () => {
          const user = await t.createUser({ roles: ['admin', 'reader'] });
          expect((await t.login(user.username, user.password)).status).toBe(200);
          return user.id;
        }),
      );
      // Both update the user row (the incident requires MFA of them) and revoke the user's sessions:
      // the same rows, to be locked in the same order.
      await Promise.all(
        users.flatMap((userId) => [
          t
            .api('POST', `/v1/users/${userId}/incident`, {})
            .then((response) => statuses.push(response.status)),
          t
            .api('PATCH', `/v1/users/${userId}`, { roles: ['reader'] })
            .then((response) => statuses.push(response.status)),
        ]),
      );
      expect(statuses).toEqual(Array.from({ length: 32 }, () => 200));
      const retried = logLines(t).filter((line) => line.msg === 'store transaction retried after a conflict');
      expect(retried).toEqual(before);
      expect(await retriesMetric('deadlock')).toBe(deadlocksBefore);
    });
  },
);

describe.skipIf(postgresTestsSkipped())('a PostgreSQL deadlock inside store.transaction', () => {
  const stores = postgresTestStores();
  afterAll(() => stores.dispose());

  it('is retried: both transactions commit, the one PostgreSQL chose as victim runs again', async () => {
    const store = await stores.create();
    const [a, b] = [makeUser('usr_lock_a'), makeUser('usr_lock_b')];
    await store.transaction((tx) => tx.users.insert(a));
    await store.transaction((tx) => tx.users.insert(b));
    // Each transaction updates one row, waits until the other has updated its row, then updates
    // the other's: a lock cycle PostgreSQL breaks by aborting one of them (40P01).
    let updatedFirst = 0;
    let bothHoldOne: () => void = () => undefined;
    const barrier = new Promise<void>((resolve) => {
      bothHoldOne = resolve;
    });
    let attempts = 0;
    const retries: TransactionRetry[] = [];
    store.onTransactionRetry((retry) => retries.push(retry));
    const crosswise = (first: UserRecord, second: UserRecord, email: string) =>
      store.transaction(async (tx) => {
        attempts += 1;
        await tx.users.update(first.id, { email, updatedAt: new Date() });
        updatedFirst += 1;
        if (updatedFirst === 2) bothHoldOne();
        await barrier;
        await tx.users.update(second.id, { email, updatedAt: new Date() });
      });
    await Promise.all([crosswise(a, b, 'one@example.com'), crosswise(b, a, 'two@example.com')]);
    expect(attempts).toBe(3);
    // Observed (cutoff_store_transaction_retries_total and a warn log line in the server).
    expect(retries).toEqual([{ cause: 'deadlock', attempt: 1, detail: expect.stringMatching(/waits for/) }]);
    const emails = [
      (await store.read((r) => r.users.findById(a.id)))?.email,
      (await store.read((r) => r.users.findById(b.id)))?.email,
    ];
    // Whichever committed last wrote both rows: never a mix of a half-applied transaction.
    expect(emails[0]).toBe(emails[1]);
  });
});
