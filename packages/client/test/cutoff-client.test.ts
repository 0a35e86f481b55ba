import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  CutoffClientError,
  ReauthRequiredError,
  createCutoffClient,
  type CutoffTokens,
} from '../src/index.js';

const readBody = async (req: IncomingMessage): Promise<string> => {
  let body = '';
  for await (const chunk of req) body += String(chunk);
  return body;
};

/** A resource server plus token endpoint over real HTTP, with rotation like Cutoff's. */
class TestServer {
  base = '';
  access = 'access-1';
  refresh = 'refresh-1';
  refreshCalls: URLSearchParams[] = [];
  resourceCalls = 0;
  /** Resource answers 401 whatever the token (e.g. the user lost access). */
  alwaysUnauthorized = false;
  tokenEndpointStatus: number | undefined;
  #generation = 1;
  #server: Server | undefined;

  async start(): Promise<void> {
    this.#server = createServer((req, res) => {
      void this.#handle(req).then(({ status, body }) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      });
    });
    await new Promise<void>((resolve) => this.#server!.listen(0, '127.0.0.1', resolve));
    this.base = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    this.#server?.closeAllConnections();
    await new Promise<void>((resolve) => this.#server?.close(() => resolve()));
  }

  /** Expires the access token server-side (as a revocation or expiry would). */
  expireAccess(): void {
    this.access = `access-expired-${Math.random()}`;
  }

  async #handle(req: IncomingMessage): Promise<{ status: number; body: unknown }> {
    const url = new URL(req.url ?? '/', this.base);
    const body = await readBody(req);
    if (url.pathname === '/oauth/token') {
      const form = new URLSearchParams(body);
      this.refreshCalls.push(form);
      await new Promise((resolve) => setTimeout(resolve, 30)); // widen the race window
      if (this.tokenEndpointStatus !== undefined) return { status: this.tokenEndpointStatus, body: {} };
      if (form.get('grant_type') !== 'refresh_token' || form.get('refresh_token') !== this.refresh) {
        return { status: 400, body: { error: 'invalid_grant' } };
      }
      this.#generation++;
      this.access = `access-${this.#generation}`;
      this.refresh = `refresh-${this.#generation}`;
      return {
        status: 200,
        body: {
          access_token: this.access,
          refresh_token: this.refresh,
          token_type: 'Bearer',
          expires_in: 600,
        },
      };
    }
    this.resourceCalls++;
    if (url.pathname === '/slow') await new Promise((resolve) => setTimeout(resolve, 150));
    if (this.alwaysUnauthorized || req.headers.authorization !== `Bearer ${this.access}`) {
      return { status: 401, body: { error: 'invalid_token' } };
    }
    return { status: 200, body: { path: url.pathname, method: req.method, body } };
  }
}

let server: TestServer;
beforeEach(async () => {
  server = new TestServer();
  await server.start();
});
afterEach(async () => {
  await server.close();
});

const clientFor = (overrides: Partial<Parameters<typeof createCutoffClient>[0]> = {}) => {
  const persisted: CutoffTokens[] = [];
  const reauth: string[] = [];
  const client = createCutoffClient({
    issuer: server.base,
    clientId: 'web',
    tokens: { accessToken: server.access, refreshToken: server.refresh },
    onTokens: (tokens) => {
      persisted.push(tokens);
    },
    onReauthRequired: (reason) => reauth.push(reason),
    ...overrides,
  });
  return { client, persisted, reauth };
};

describe('createCutoffClient', () => {
  it('attaches the bearer token', async () => {
    const { client } = clientFor();
    const response = await client.fetch(`${server.base}/me`);
    expect(response.status).toBe(200);
    expect(server.refreshCalls).toHaveLength(0);
  });

  it('20 concurrent 401s share exactly one refresh, and all retry and succeed', async () => {
    const { client, persisted } = clientFor();
    server.expireAccess();
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, i) => client.fetch(`${server.base}/items/${i}`)),
    );
    expect(responses.map((r) => r.status)).toEqual(Array.from({ length: 20 }, () => 200));
    expect(server.refreshCalls).toHaveLength(1);
    expect(server.refreshCalls[0]?.get('client_id')).toBe('web');
    expect(server.refreshCalls[0]?.get('refresh_token')).toBe('refresh-1');
    expect(persisted).toEqual([{ accessToken: 'access-2', refreshToken: 'refresh-2' }]);
    expect(client.getTokens()).toEqual({ accessToken: 'access-2', refreshToken: 'refresh-2' });
    expect(server.resourceCalls).toBe(40);
  });

  it('a late 401 for an already replaced token retries without refreshing again', async () => {
    const { client } = clientFor();
    server.expireAccess();
    const slow = client.fetch(`${server.base}/slow`); // its 401 arrives after the refresh
    const fast = await client.fetch(`${server.base}/fast`);
    expect(fast.status).toBe(200);
    expect((await slow).status).toBe(200);
    expect(server.refreshCalls).toHaveLength(1);
  });

  it('replays request bodies, including streams, on the retry', async () => {
    const { client } = clientFor();
    server.expireAccess();
    const text = await client.fetch(`${server.base}/echo`, { method: 'POST', body: 'hello' });
    expect(await text.json()).toMatchObject({ method: 'POST', body: 'hello' });
    server.expireAccess();
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('streamed '));
        controller.enqueue(new TextEncoder().encode('body'));
        controller.close();
      },
    });
    const streamed = await client.fetch(`${server.base}/echo`, { method: 'PUT', body: stream });
    expect(await streamed.json()).toMatchObject({ method: 'PUT', body: 'streamed body' });
    server.expireAccess();
    const request = new Request(`${server.base}/echo`, { method: 'POST', body: 'from a Request' });
    expect(await (await client.fetch(request)).json()).toMatchObject({ body: 'from a Request' });
  });

  it('a refused refresh calls onReauthRequired once and rejects every waiter with reauth_required', async () => {
    const { client, reauth } = clientFor();
    server.expireAccess();
    server.refresh = 'refresh-rotated-elsewhere';
    const results = await Promise.allSettled(
      Array.from({ length: 5 }, () => client.fetch(`${server.base}/me`)),
    );
    for (const result of results) {
      expect(result.status).toBe('rejected');
      const error = (result as PromiseRejectedResult).reason as ReauthRequiredError;
      expect(error).toBeInstanceOf(ReauthRequiredError);
      expect(error.code).toBe('reauth_required');
      expect(error.oauthError).toBe('invalid_grant');
      expect(error.message).not.toContain('refresh-1');
    }
    expect(reauth).toEqual(['reauth_required']);
    expect(server.refreshCalls).toHaveLength(1);

    // Until new tokens arrive, calls fail fast without touching the network.
    const calls = server.resourceCalls;
    await expect(client.fetch(`${server.base}/me`)).rejects.toBeInstanceOf(ReauthRequiredError);
    expect(server.resourceCalls).toBe(calls);

    client.setTokens({ accessToken: server.access, refreshToken: server.refresh });
    expect((await client.fetch(`${server.base}/me`)).status).toBe(200);
  });

  it('a 401 after the retry is returned as is: no refresh loop', async () => {
    const { client } = clientFor();
    server.alwaysUnauthorized = true;
    const response = await client.fetch(`${server.base}/me`);
    expect(response.status).toBe(401);
    expect(server.refreshCalls).toHaveLength(1);
    expect(server.resourceCalls).toBe(2);
  });

  it('a token endpoint outage is refresh_failed, not a re-login', async () => {
    const { client, reauth } = clientFor();
    server.expireAccess();
    server.tokenEndpointStatus = 503;
    const error = await client.fetch(`${server.base}/me`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CutoffClientError);
    expect((error as CutoffClientError).code).toBe('refresh_failed');
    expect(reauth).toEqual([]);
    server.tokenEndpointStatus = undefined;
    expect((await client.fetch(`${server.base}/me`)).status).toBe(200);
  });

  it('without a refresh token a 401 means re-login', async () => {
    const { client, reauth } = clientFor({ tokens: { accessToken: 'stale' } });
    await expect(client.fetch(`${server.base}/me`)).rejects.toMatchObject({ code: 'reauth_required' });
    expect(reauth).toEqual(['reauth_required']);
    expect(server.refreshCalls).toHaveLength(0);
  });

  it('validates its options', () => {
    expect(() => createCutoffClient({ tokens: { accessToken: 'a' } })).toThrow(CutoffClientError);
    expect(() => createCutoffClient({ tokenEndpoint: 'relative', tokens: { accessToken: 'a' } })).toThrow(
      /absolute URL/,
    );
  });
});
