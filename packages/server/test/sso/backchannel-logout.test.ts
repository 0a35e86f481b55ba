import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { FormBrowser, continueOf, csrfOf } from './browser.js';

const EVENT = 'http://schemas.openid.net/event/backchannel-logout';

/** A relying party's back-channel logout endpoint that is down (503) for its first `downFor` calls. */
const startReceiver = async (downFor: number) => {
  const received: { readonly token: string; readonly status: number }[] = [];
  const server: Server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      const status = received.length < downFor ? 503 : 200;
      received.push({ token: new URLSearchParams(body).get('logout_token') ?? '', status });
      response.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/backchannel-logout`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
};

describe('OpenID Connect Back-Channel Logout', () => {
  let t: TestServer;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let clientId: string;
  let secret: string;
  const redirectUri = 'http://127.0.0.1:9/callback';

  beforeAll(async () => {
    t = await startTestServer({ config: { outboxPollMs: 20, outboxRetryBaseMs: 50, outboxRetryMaxMs: 200 } });
    receiver = await startReceiver(2);
    const created = await t.api('POST', '/v1/clients', {
      name: 'Wiki',
      type: 'confidential',
      redirect_uris: [redirectUri],
      backchannel_logout_uri: receiver.url,
      backchannel_logout_session_required: true,
    });
    clientId = created.body.client_id;
    secret = created.body.client_secret;
  });
  afterAll(async () => {
    await receiver.close();
    await t.close();
  });

  it('sends a logout token for the ended session, retried while the receiver is down, validated with jose', async () => {
    const user = await t.createUser();
    const browser = new FormBrowser(t.url);
    await browser.get(
      `/oauth/authorize?${new URLSearchParams({
        client_id: clientId,
        redirect_uri: redirectUri,
        response_type: 'code',
        scope: 'openid',
        nonce: 'n-1',
      }).toString()}`,
    );
    const page = await (await browser.get('/login')).text();
    const callback = await continueOf(
      await browser.post('/login', { csrf: csrfOf(page), username: user.username, password: user.password }),
    );
    const tokens = await t.form(
      '/oauth/token',
      {
        grant_type: 'authorization_code',
        code: callback.searchParams.get('code')!,
        redirect_uri: redirectUri,
      },
      { authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}` },
    );
    expect(tokens.status).toBe(200);
    const idClaims = JSON.parse(Buffer.from(tokens.body.id_token.split('.')[1], 'base64url').toString());
    expect(receiver.received).toHaveLength(0);
    const status = async () => (await t.api('GET', `/v1/clients/${clientId}/backchannel-logout`)).body;
    expect(await status()).toEqual({
      client_id: clientId,
      backchannel_logout_uri: receiver.url,
      pending: 0,
      delivered: 0,
      dead: 0,
      last_error: null,
      last_delivered_at: null,
    });

    const revokedAt = Math.floor(Date.now() / 1000);
    const revoked = await t.api('POST', '/v1/revocations', {
      target: { type: 'user', id: user.id },
      reason: 'offboarding',
    });
    expect(revoked.status).toBe(201);

    const deadline = Date.now() + 10_000;
    while (!receiver.received.some((call) => call.status === 200) && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 20));
    expect(receiver.received.map((call) => call.status)).toEqual([503, 503, 200]);

    const jwks = createRemoteJWKSet(new URL(`${t.url}/.well-known/jwks.json`));
    const verified = await Promise.all(
      receiver.received.map((call) =>
        jwtVerify(call.token, jwks, {
          issuer: t.url,
          audience: clientId,
          typ: 'logout+jwt',
          algorithms: ['RS256'],
        }),
      ),
    );
    const { payload } = verified.at(-1)!;
    expect(decodeProtectedHeader(receiver.received[2]!.token).typ).toBe('logout+jwt');
    expect(payload).toMatchObject({ sub: user.id, sid: idClaims.sid, events: { [EVENT]: {} } });
    expect(payload).not.toHaveProperty('nonce');
    expect(payload.iat).toBeGreaterThanOrEqual(revokedAt);
    expect(payload.iat).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000));
    // Every retry carries the same jti, so the receiver can drop duplicates.
    expect(new Set(verified.map((result) => result.payload.jti)).size).toBe(1);

    // Delivery status is visible per message, and the ended session is not told twice: a second
    // revocation that covers it enqueues nothing (the enqueue commits with the revocation).
    const delivered = (await t.api('GET', '/v1/outbox?status=delivered')).body.messages as any[];
    expect(delivered.filter((message) => message.to === receiver.url)).toEqual([
      expect.objectContaining({ kind: 'backchannel_logout', status: 'delivered', attempts: 3 }),
    ]);
    await t.api('POST', '/v1/revocations', {
      target: { type: 'session', id: idClaims.sid },
      reason: 'manual',
    });
    const all = (await t.api('GET', '/v1/outbox')).body.messages as any[];
    expect(all.filter((message) => message.to === receiver.url)).toHaveLength(1);

    // Per client: what was delivered, when, and the last error on the way (the 503s).
    const after = await status();
    expect(after).toMatchObject({ pending: 0, delivered: 1, dead: 0 });
    expect(after.last_error).toContain('503');
    expect(Date.parse(after.last_delivered_at)).toBeGreaterThanOrEqual(revokedAt * 1000);
    expect((await t.api('GET', '/v1/clients/no-such-client/backchannel-logout')).status).toBe(404);
  });
});
