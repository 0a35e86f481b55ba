import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSqliteStore } from '../../src/adapters/storage/index.js';
import { kyselyOf } from '../support/stores.js';
import { decodeJwtPart, startTestServer, totpCode, type TestServer } from '../support/test-server.js';

describe('operations endpoints', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(() => t.close());

  it('healthz, readyz and Prometheus metrics', async () => {
    expect((await t.api('GET', '/healthz', undefined, null)).status).toBe(200);
    const ready = await t.api('GET', '/readyz', undefined, null);
    expect(ready.status).toBe(200);
    expect(ready.body.store).toBe('sqlite');
    const user = await t.createUser();
    await t.login(user.username, user.password);
    const metrics = await fetch(`${t.url}/metrics`);
    expect(metrics.headers.get('content-type')).toContain('text/plain');
    const text = await metrics.text();
    expect(text).toMatch(/cutoff_logins_total\{result="success"\} 1/);
    expect(text).toContain('cutoff_http_request_duration_seconds_bucket');
    expect(text).toContain('cutoff_feed_head');
  });

  it('serves an OpenAPI 3.1 document generated from the validating schemas', async () => {
    const doc = (await t.api('GET', '/openapi.json', undefined, null)).body;
    expect(doc.openapi).toBe('3.1.0');
    for (const path of [
      '/v1/users',
      '/v1/auth/login',
      '/v1/revocations',
      '/oauth/token',
      '/oauth/introspect',
      '/v1/audit',
    ]) {
      expect(doc.paths, path).toHaveProperty([path]);
    }
    const revocationRef = doc.paths['/v1/revocations'].post.requestBody.content['application/json'].schema;
    expect(revocationRef).toEqual({ $ref: '#/components/schemas/CreateRevocationRequest' });
    const revocationBody = doc.components.schemas.CreateRevocationRequest;
    expect(JSON.stringify(revocationBody)).toContain('contractor_end');
    expect(JSON.stringify(revocationBody)).toContain('"group"');
  });

  it('answers unknown routes and wrong content types with the JSON error shape', async () => {
    const missing = await t.api('GET', '/v1/nothing-here');
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ error: 'not_found', code: 'ERR_NOT_FOUND' });
    const xml = await fetch(`${t.url}/v1/users`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.adminKey}`, 'content-type': 'application/xml' },
      body: '<user/>',
    });
    expect(xml.status).toBe(415);
    expect(((await xml.json()) as any).code).toBe('ERR_UNSUPPORTED_MEDIA_TYPE');
  });

  it('rotates signing keys: new tokens use the new kid, old tokens still verify, JWKS has both', async () => {
    const user = await t.createUser();
    const before = (await t.login(user.username, user.password)).body.access_token;
    const rotated = await t.api('POST', '/v1/keys/rotate', { alg: 'ES256' });
    expect(rotated.status).toBe(201);
    expect(rotated.body.alg).toBe('ES256');
    const after = (await t.login(user.username, user.password)).body.access_token;
    expect(decodeJwtPart(after, 0)).toMatchObject({ kid: rotated.body.kid, alg: 'ES256' });
    const jwks = (await t.api('GET', '/.well-known/jwks.json', undefined, null)).body;
    expect(jwks.keys.map((key: any) => key.kid)).toEqual([rotated.body.kid, decodeJwtPart(before, 0).kid]);
    const key = await t.apiKey(['introspect']);
    for (const token of [before, after]) {
      expect(
        (await t.form('/oauth/introspect', { token }, { authorization: `Bearer ${key}` })).body.active,
      ).toBe(true);
    }
    // After a second rotation the first key is retired and its tokens no longer verify.
    await t.api('POST', '/v1/keys/rotate', {});
    expect(
      (await t.form('/oauth/introspect', { token: before }, { authorization: `Bearer ${key}` })).body.active,
    ).toBe(false);
  });
});

describe('signing algorithms', () => {
  it('issues verifiable tokens with each supported algorithm', async () => {
    const t = await startTestServer();
    try {
      const key = await t.apiKey(['introspect']);
      const user = await t.createUser();
      for (const alg of ['EdDSA', 'ES256', 'RS256']) {
        expect((await t.api('POST', '/v1/keys/rotate', { alg })).status).toBe(201);
        const token = (await t.login(user.username, user.password)).body.access_token as string;
        expect(decodeJwtPart(token, 0).alg).toBe(alg);
        const introspection = await t.form(
          '/oauth/introspect',
          { token },
          { authorization: `Bearer ${key}` },
        );
        expect(introspection.body.active, alg).toBe(true);
      }
    } finally {
      await t.close();
    }
  });
});

describe('logs', () => {
  const lines = (t: TestServer): Record<string, any>[] =>
    t.logs
      .flatMap((chunk) => chunk.split('\n'))
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, any>);

  it('write one access line per request at info, with its request id, and none at warn', async () => {
    const t = await startTestServer({ config: { logLevel: 'info' } });
    try {
      const missing = await t.api('GET', '/v1/users/usr_nope');
      expect(missing.status).toBe(404);
      const access = lines(t).filter((line) => line.msg === 'request completed');
      const forMissing = access.filter((line) => line.reqId === missing.body.request_id);
      expect(forMissing).toHaveLength(1);
      expect(forMissing[0]).toMatchObject({
        level: 30,
        req: { method: 'GET', url: '/v1/users/usr_nope' },
        res: { statusCode: 404 },
      });
      expect(typeof forMissing[0]?.responseTime).toBe('number');
      expect(lines(t).filter((line) => line.msg === 'incoming request')).toHaveLength(0);
    } finally {
      await t.close();
    }
    const quiet = await startTestServer({ config: { logLevel: 'warn' } });
    try {
      expect((await quiet.api('GET', '/v1/users/usr_nope')).status).toBe(404);
      expect(lines(quiet).filter((line) => line.reqId !== undefined)).toEqual([]);
    } finally {
      await quiet.close();
    }
  });

  it('never contain passwords, tokens, client secrets or API keys', async () => {
    const t = await startTestServer({ config: { logLevel: 'trace' } });
    try {
      const user = await t.createUser({ password: 'hunter2-very-secret' });
      const login = await t.login(user.username, user.password);
      await t.login(user.username, 'wrong-password-secret');
      const refresh = await t.form('/oauth/token', {
        grant_type: 'refresh_token',
        refresh_token: login.body.refresh_token,
        client_id: 'cutoff',
      });
      const apiKey = await t.apiKey(['introspect']);
      await t.form(
        '/oauth/introspect',
        { token: login.body.access_token },
        { authorization: `Bearer ${apiKey}` },
      );
      const client = await t.api('POST', '/v1/clients', { id: 'svc', name: 'svc', type: 'confidential' });
      await t.form('/oauth/token', {
        grant_type: 'client_credentials',
        client_id: 'svc',
        client_secret: client.body.client_secret,
      });
      await t.api('GET', '/v1/users', undefined, 'an-invalid-but-secret-key');

      const logs = t.logs.join('');
      expect(logs.length).toBeGreaterThan(1000); // trace logging really ran
      for (const secret of [
        'hunter2-very-secret',
        'wrong-password-secret',
        login.body.refresh_token,
        login.body.access_token,
        refresh.body.refresh_token,
        refresh.body.access_token,
        apiKey,
        client.body.client_secret,
        t.adminKey,
        'an-invalid-but-secret-key',
      ]) {
        expect(logs).not.toContain(secret);
      }
    } finally {
      await t.close();
    }
  });
});

describe('secrets at rest', () => {
  it('the database holds no password, refresh token, API key or client secret in clear', async () => {
    const t = await startTestServer();
    try {
      const user = await t.createUser({ password: 'plaintext-password-at-rest' });
      const login = await t.login(user.username, user.password);
      const apiKey = await t.apiKey(['feed:read']);
      const client = await t.api('POST', '/v1/clients', { id: 'vault', name: 'vault', type: 'confidential' });
      const db = kyselyOf(t.store);
      const dump: string[] = [];
      for (const table of [
        'users',
        'sessions',
        'refresh_tokens',
        'api_keys',
        'clients',
        'audit_events',
      ] as const) {
        dump.push(JSON.stringify(await db.selectFrom(table).selectAll().execute()));
      }
      const everything = dump.join('\n');
      expect(everything).toContain(user.username); // the dump really has the rows
      for (const secret of [
        'plaintext-password-at-rest',
        login.body.refresh_token,
        apiKey,
        client.body.client_secret,
      ]) {
        expect(everything).not.toContain(secret);
      }
      expect(everything).toContain('$argon2id$');
    } finally {
      await t.close();
    }
  });

  it('with CUTOFF_ENCRYPTION_KEY, signing keys and TOTP secrets are stored sealed, and need the key', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'cutoff-sealed-'));
    const filename = join(directory, 'cutoff.db');
    const firstKey = randomBytes(32).toString('base64');
    const secondKey = randomBytes(32).toString('base64');
    try {
      const t = await startTestServer({
        store: createSqliteStore({ filename }),
        config: { encryptionKey: firstKey },
      });
      let user: { id: string; username: string; password: string };
      let totpSecret: string;
      try {
        user = await t.createUser();
        totpSecret = await t.enrolTotp(user.id);
        expect((await t.api('POST', '/v1/keys/rotate', {})).status).toBe(201);
        const login = await t.login(user.username, user.password, { totp: totpCode(totpSecret) });
        expect(login.status).toBe(200);
        const db = kyselyOf(t.store);
        const keys = await db.selectFrom('signing_keys').select(['kid', 'private_jwk']).execute();
        expect(keys).toHaveLength(2);
        for (const key of keys) {
          expect(key.private_jwk).toMatch(/^sealed:v1:/);
          expect(key.private_jwk).not.toContain('"d"');
        }
        const row = await db
          .selectFrom('users')
          .select('totp_secret')
          .where('id', '=', user.id)
          .executeTakeFirst();
        expect(row?.totp_secret).toMatch(/^sealed:v1:/);
        expect(row?.totp_secret).not.toContain(totpSecret);
      } finally {
        await t.close();
      }

      // Without the key the server refuses to start, and says why.
      const keyless = createSqliteStore({ filename });
      await expect(startTestServer({ store: keyless })).rejects.toThrow(/CUTOFF_ENCRYPTION_KEY/);
      await keyless.close();

      // A new key with the old one as previous: everything still opens; tokens verify.
      const again = await startTestServer({
        store: createSqliteStore({ filename }),
        config: { encryptionKey: secondKey, encryptionPreviousKeys: [firstKey] },
      });
      try {
        const login = await again.login(user.username, user.password, {
          totp: totpCode(totpSecret, Date.now() + 30_000),
        });
        expect(login.status).toBe(200);
        const introspector = await again.apiKey(['introspect']);
        const answer = await again.form(
          '/oauth/introspect',
          { token: login.body.access_token },
          { authorization: `Bearer ${introspector}` },
        );
        expect(answer.body.active).toBe(true);
      } finally {
        await again.close();
      }
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });

  it('a TOTP secret that does not open gives the user a 503 and the operator a log line, not a failed login', async () => {
    const t = await startTestServer({ config: { encryptionKey: randomBytes(32).toString('base64') } });
    try {
      const alice = await t.createUser();
      const bob = await t.createUser();
      const aliceSecret = await t.enrolTotp(alice.id);
      await t.enrolTotp(bob.id);
      // Bob's sealed secret copied into Alice's row: sealing binds each value to its user, so it
      // fails authentication as a value sealed under a lost key would.
      const db = kyselyOf(t.store);
      const bobRow = await db
        .selectFrom('users')
        .select('totp_secret')
        .where('id', '=', bob.id)
        .executeTakeFirst();
      await db
        .updateTable('users')
        .set({ totp_secret: bobRow?.totp_secret ?? null })
        .where('id', '=', alice.id)
        .execute();

      const login = await t.login(alice.username, alice.password, { totp: totpCode(aliceSecret) });
      expect(login.status).toBe(503);
      expect(login.body).toMatchObject({ error: 'secret_unavailable', code: 'ERR_SECRET_UNAVAILABLE' });
      expect(JSON.stringify(login.body)).not.toContain(alice.id);

      const logLine = t.logs
        .flatMap((chunk) => chunk.split('\n'))
        .filter(Boolean)
        .map((line) => JSON.parse(line) as { level: number; code?: string; detail?: string })
        .find((line) => line.code === 'ERR_SECRET_UNAVAILABLE');
      expect(logLine?.level).toBe(50);
      expect(logLine?.detail).toContain(alice.id);
      expect(logLine?.detail).toContain('CUTOFF_ENCRYPTION_PREVIOUS_KEYS');

      const failures = await t.api('GET', `/v1/audit?action=login.failed&target=${alice.id}`);
      expect(failures.body.events).toEqual([]);
      // A wrong password still fails as usual: the password is checked before the second factor.
      expect((await t.login(alice.username, 'not-the-password', { totp: '000000' })).status).toBe(401);
      const after = await t.api('GET', `/v1/audit?action=login.failed&target=${alice.id}`);
      expect(after.body.events).toHaveLength(1);
    } finally {
      await t.close();
    }
  });

  it('reseals what is in clear or under a previous key, once, and refuses without a key', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'cutoff-reseal-'));
    const filename = join(directory, 'cutoff.db');
    const firstKey = randomBytes(32).toString('base64');
    const secondKey = randomBytes(32).toString('base64');
    const withServer = async <T>(config: Record<string, unknown>, work: (t: TestServer) => Promise<T>) => {
      const t = await startTestServer({
        store: createSqliteStore({ filename }),
        // Canary cycles only when asked, and short: the gateway below never refuses the token.
        config: { canaryIntervalSeconds: 0, canaryDeadlineMs: 200, ...config },
      });
      try {
        return await work(t);
      } finally {
        await t.close();
      }
    };
    const sealedRows = async (t: TestServer) => {
      const db = kyselyOf(t.store);
      const keys = await db.selectFrom('signing_keys').select('private_jwk').execute();
      const users = await db.selectFrom('users').select(['totp_secret', 'totp_pending_secret']).execute();
      const totp = users.flatMap((row) => [row.totp_secret, row.totp_pending_secret]);
      return [...keys.map((row) => row.private_jwk), ...totp.filter((value) => value !== null)];
    };
    // A gateway in front of a probed app: it lets the canary's token through only with its key.
    const gatewayKeys: (string | undefined)[] = [];
    const gateway = createServer((request, response) => {
      const key = request.headers['x-gateway-key'];
      gatewayKeys.push(typeof key === 'string' ? key : undefined);
      response.writeHead(key === 'gw-secret-456' ? 200 : 403).end();
    });
    await new Promise<void>((resolve) => gateway.listen(0, '127.0.0.1', resolve));
    const gatewayUrl = `http://127.0.0.1:${(gateway.address() as AddressInfo).port}/api/me`;
    try {
      // A deployment that ran without a key: two signing keys, a TOTP secret and a pending
      // enrolment's secret in clear.
      const { user, totpSecret, pendingUser, pendingSecret } = await withServer({}, async (t) => {
        const created = await t.createUser();
        const secret = await t.enrolTotp(created.id);
        const pending = await t.createUser();
        const started = await t.api('POST', `/v1/users/${pending.id}/totp`);
        expect((await t.api('POST', '/v1/keys/rotate', {})).status).toBe(201);
        const refused = await t.api('POST', '/v1/secrets/reseal');
        expect(refused.status).toBe(409);
        expect(refused.body.message).toContain('CUTOFF_ENCRYPTION_KEY');
        return {
          user: created,
          totpSecret: secret,
          pendingUser: pending,
          pendingSecret: started.body.secret as string,
        };
      });

      const usedCode = totpCode(totpSecret);
      await withServer({ encryptionKey: firstKey }, async (t) => {
        expect((await t.api('POST', '/v1/secrets/reseal')).body).toEqual({
          signing_keys: 2,
          totp_secrets: 2,
          canary_probe_headers: 0,
          destination_secrets: 0,
        });
        const rows = await sealedRows(t);
        expect(rows).toHaveLength(4);
        for (const value of rows) expect(value).toMatch(/^sealed:v1:/);
        expect((await t.api('POST', '/v1/secrets/reseal')).body).toEqual({
          signing_keys: 0,
          totp_secrets: 0,
          canary_probe_headers: 0,
          destination_secrets: 0,
        });
        const login = await t.login(user.username, user.password, { totp: usedCode });
        expect(login.status).toBe(200);
        const events = (await t.api('GET', '/v1/audit?action=secrets.resealed')).body.events;
        expect(events.map((event: { counts: unknown }) => event.counts)).toEqual([
          { signing_keys: 2, totp_secrets: 2, canary_probe_headers: 0, destination_secrets: 0 },
          { signing_keys: 0, totp_secrets: 0, canary_probe_headers: 0, destination_secrets: 0 },
        ]);
        // A probe whose gateway key is sealed under this (first) key.
        const put = await t.api('PUT', '/v1/canary/probes/gateway', {
          url: gatewayUrl,
          headers: { 'X-Gateway-Key': 'gw-secret-456' },
        });
        expect(put.status).toBe(201);
        // And a destination whose signing secret is sealed under it.
        const destination = await t.api('PUT', '/v1/destinations/siem', {
          type: 'http',
          url: gatewayUrl,
          secret: `whsec_${Buffer.alloc(32, 1).toString('base64')}`,
          paused: true,
        });
        expect(destination.status).toBe(201);
      });

      // A key change: the new key with the old one as previous, reseal, then the old one can go.
      await withServer({ encryptionKey: secondKey, encryptionPreviousKeys: [firstKey] }, async (t) => {
        expect((await t.api('POST', '/v1/secrets/reseal')).body).toEqual({
          signing_keys: 2,
          totp_secrets: 2,
          canary_probe_headers: 1,
          destination_secrets: 1,
        });
        const events = (await t.api('GET', '/v1/audit?action=secrets.resealed')).body.events;
        expect(events.at(-1)?.counts).toEqual({
          signing_keys: 2,
          totp_secrets: 2,
          canary_probe_headers: 1,
          destination_secrets: 1,
        });
      });
      await withServer({ encryptionKey: secondKey }, async (t) => {
        // The probe's header was resealed: the cycle still opens it and the gateway gets its key.
        const run = await t.api('POST', '/v1/canary/runs');
        expect(run.status).toBe(200);
        expect(run.body.probes).toEqual([
          expect.objectContaining({
            name: 'gateway',
            accepted: true,
            statuses: expect.arrayContaining([200]),
          }),
        ]);
        expect(gatewayKeys.length).toBeGreaterThan(0);
        expect(gatewayKeys.every((key) => key === 'gw-secret-456')).toBe(true);

        // The replay guard survived the reseal: the code used above is still refused, the next one works.
        expect((await t.login(user.username, user.password, { totp: usedCode })).status).toBe(401);
        const next = await t.login(user.username, user.password, {
          totp: totpCode(totpSecret, Date.now() + 30_000),
        });
        expect(next.status).toBe(200);
        // The pending enrolment was resealed too: it still confirms without the old key.
        const confirmed = await t.api('POST', `/v1/users/${pendingUser.id}/totp/confirm`, {
          code: totpCode(pendingSecret),
        });
        expect(confirmed.status).toBe(200);
      });
    } finally {
      gateway.closeAllConnections();
      await new Promise((resolve) => gateway.close(resolve));
      await rm(directory, { recursive: true, force: true });
    }
  });
});
