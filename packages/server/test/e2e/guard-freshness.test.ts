import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Guard } from '@cutoff/guard';
import { createPostgresStore } from '../../src/adapters/storage/index.js';
import { eventually, startProtectedApp, type ProtectedApp } from '../support/protected-app.js';
import { dropSchemas, postgresTestsSkipped, testDatabaseUrl } from '../support/stores.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

/*
 * The guard must not count itself fresh before it has caught up: cut its feed, revoke, resume,
 * and check the revoked tokens on every turn of the event loop from the instant of reconnection.
 * The server replays what the guard missed from PostgreSQL, which here sits behind a proxy that
 * adds 25 ms each way while the feed resumes (a database in another zone, or under load): the
 * replay then arrives some 50 ms after the stream's headers, and a guard that counted the
 * connection as freshness accepted revoked tokens in that gap (about 1,500 times per cut here).
 */

const MAX_STALENESS_MS = 1000;
const STORE_LATENCY_MS = 25;
const yieldToIo = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

interface Watch {
  readonly accepted: number;
  readonly checks: number;
}

/**
 * From now on, checks every token on every turn of the event loop (the feed's I/O runs between
 * turns) and counts acceptances, until the guard is current at `head` and `afterMs` more passed.
 */
const watchRevoked = async (
  guard: Guard,
  tokens: readonly string[],
  head: number,
  timeoutMs = 8000,
  afterMs = 300,
): Promise<Watch> => {
  const started = performance.now();
  let accepted = 0;
  let checks = 0;
  let caughtUpAt: number | undefined;
  for (;;) {
    for (const token of tokens) {
      checks += 1;
      const result = guard.check(token);
      if (result === undefined) throw new Error('token not cached: the guard needed I/O to decide');
      if (result.ok) accepted += 1;
    }
    const now = performance.now();
    const status = guard.status();
    if (caughtUpAt === undefined && !status.degraded && status.seqApplied >= head) caughtUpAt = now;
    if (caughtUpAt !== undefined && now - caughtUpAt >= afterMs) break;
    if (now - started > timeoutMs) throw new Error(`guard did not catch up within ${timeoutMs} ms`);
    await yieldToIo();
  }
  return { accepted, checks };
};

interface Stack {
  readonly server: () => TestServer;
  readonly feed: TcpProxy;
  readonly storeLink: TcpProxy;
  readonly app: ProtectedApp;
  /** Cuts the guard's feed and waits until the guard says it is degraded. */
  cutFeed(): Promise<void>;
  /** Resumes the feed with the store farther away, so the replay trails the stream's headers. */
  resumeFeed(): void;
  /** `watchRevoked` from the resume on; the store is near again afterwards. */
  watch(tokens: readonly string[], head: number): Promise<Watch>;
  revoke(type: string, id: string): Promise<number>;
  login(user: { username: string; password: string }): Promise<{ token: string; sessionId: string }>;
  /** Stops the server and starts a new one on the same port and store. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

const startStack = async (config: Record<string, unknown> = {}, guardOptions = {}): Promise<Stack> => {
  const schema = `cutoff_fresh_${randomBytes(4).toString('hex')}`;
  const database = new URL(testDatabaseUrl());
  const storeLink = await startTcpProxy(database.hostname, Number(database.port || 5432));
  database.host = `127.0.0.1:${storeLink.port}`;
  const openStore = () =>
    createPostgresStore({ connectionString: database.toString(), schema, maxConnections: 4 });
  let server = await startTestServer({ store: openStore(), config });
  const port = Number(new URL(server.url).port);
  const feed = await startTcpProxy('127.0.0.1', port);
  const app = await startProtectedApp({
    issuer: server.url,
    feedUrl: `http://127.0.0.1:${feed.port}`,
    feedApiKey: await server.apiKey(['feed:read']),
    maxStalenessMs: MAX_STALENESS_MS,
    ...guardOptions,
  });
  return {
    server: () => server,
    feed,
    storeLink,
    app,
    async cutFeed() {
      storeLink.setLatency(0);
      feed.cut();
      await eventually(() => app.guard.status().degraded, MAX_STALENESS_MS + 2000, 5);
    },
    resumeFeed() {
      storeLink.setLatency(STORE_LATENCY_MS);
      feed.resume();
    },
    async watch(tokens, head) {
      try {
        return await watchRevoked(app.guard, tokens, head);
      } finally {
        storeLink.setLatency(0);
      }
    },
    async revoke(type, id) {
      const response = await server.api('POST', '/v1/revocations', {
        target: { type, id },
        reason: 'offboarding',
      });
      expect(response.status).toBe(201);
      return response.body.seq as number;
    },
    async login(user) {
      const body = (await server.login(user.username, user.password)).body;
      return { token: body.access_token as string, sessionId: body.session_id as string };
    },
    async restart() {
      const issuer = server.url;
      await server.close();
      server = await startTestServer({ store: openStore(), config: { ...config, port, issuer } });
    },
    async close() {
      await app.close();
      await feed.close();
      await server.close();
      await storeLink.close();
      await dropSchemas(testDatabaseUrl(), [schema]);
    },
  };
};

describe.skipIf(postgresTestsSkipped())('a guard counts itself fresh only once it has caught up', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack.close();
  });

  it('one entry revoked during the cut: zero acceptances from the instant of reconnection', async () => {
    const victim = await stack.server().createUser();
    const { token } = await stack.login(victim);
    expect(await stack.app.status(token)).toBe(200);

    await stack.cutFeed();
    const head = await stack.revoke('user', victim.id);
    stack.resumeFeed();
    const watch = await stack.watch([token], head);

    expect(watch.accepted).toBe(0);
    expect(watch.checks).toBeGreaterThan(100);
    expect(stack.app.guard.status()).toMatchObject({ degraded: false, seqApplied: head });
  });

  it('several entries of several kinds revoked during the cut: zero acceptances of any', async () => {
    const t = stack.server();
    const users = await Promise.all(
      Array.from({ length: 4 }, (_, index) => t.createUser({ groups: [`cut-group-${index}`] })),
    );
    const logins = await Promise.all(users.map((user) => stack.login(user)));
    const tokens = logins.map((login) => login.token);
    for (const token of tokens) expect(await stack.app.status(token)).toBe(200);

    await stack.cutFeed();
    await stack.revoke('user', users[0]!.id);
    await stack.revoke('session', logins[1]!.sessionId);
    await stack.revoke('group', 'cut-group-2');
    const head = await stack.revoke('user', users[3]!.id);
    stack.resumeFeed();
    const watch = await stack.watch(tokens, head);

    expect(watch.accepted).toBe(0);
    expect(stack.app.guard.status().seqApplied).toBe(head);
  });

  it('a server restart in the middle of the cut: zero acceptances after reconnecting to the new one', async () => {
    const t = stack.server();
    const victims = [await t.createUser(), await t.createUser()];
    const tokens: string[] = [];
    for (const victim of victims) {
      const { token } = await stack.login(victim);
      expect(await stack.app.status(token)).toBe(200);
      tokens.push(token);
    }
    await stack.cutFeed();
    await stack.revoke('user', victims[0]!.id);
    await stack.restart();
    const head = await stack.revoke('user', victims[1]!.id);
    stack.resumeFeed();
    const watch = await stack.watch(tokens, head);

    expect(watch.accepted).toBe(0);
    expect(stack.app.guard.status()).toMatchObject({ degraded: false, seqApplied: head });
  });
});

describe.skipIf(postgresTestsSkipped())('a cut longer than an entry lifetime', () => {
  it('the replay skips the expired entry and the guard still accepts nothing it must refuse', async () => {
    // Entries live 5 s here (token lifetime 5 s, no skew allowance), so one expires during the cut.
    const stack = await startStack(
      { accessTokenTtlSeconds: 5, clockSkewSeconds: 0 },
      { clockToleranceSeconds: 0 },
    );
    try {
      const t = stack.server();
      const before = stack.app.guard.status().seqApplied;
      await stack.cutFeed();
      await stack.revoke('token', 'jti-that-expires-during-the-cut');
      await new Promise((resolve) => setTimeout(resolve, 5200));
      expect((await t.api('GET', '/v1/revocations?after=0')).body.entries).toEqual([]);

      const victim = await t.createUser();
      const login = await stack.login(victim);
      // Verified once (refused: the guard is blind), so every later check is synchronous.
      await expect(stack.app.guard.verify(login.token)).rejects.toMatchObject({ code: 'ERR_GUARD_STALE' });
      const head = await stack.revoke('session', login.sessionId);
      expect(head).toBe(before + 2);
      stack.resumeFeed();
      const watch = await stack.watch([login.token], head);

      expect(watch.accepted).toBe(0);
      expect(stack.app.guard.status()).toMatchObject({ degraded: false, seqApplied: head });
    } finally {
      await stack.close();
    }
  });
});
