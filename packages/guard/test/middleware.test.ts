import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import express from 'express';
import Fastify from 'fastify';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Guard } from '../src/index.js';
import { expressGuard } from '../src/middleware/express.js';
import { fastifyGuard, fastifyPreHandler } from '../src/middleware/fastify.js';
import { honoGuard, type CutoffHonoEnv } from '../src/middleware/hono.js';
import { guardHandler, protect } from '../src/middleware/node-http.js';
import { FakeCutoff, eventually } from './support/fake-cutoff.js';
import { closeGuards, recordingLogger, startGuard } from './support/guard-setup.js';

let fake: FakeCutoff;
let guard: Guard;
beforeAll(async () => {
  fake = await FakeCutoff.start();
  guard = await startGuard(fake);
});
afterAll(async () => {
  await closeGuards();
  await fake.close();
});

const listening = async (server: Server): Promise<string> => {
  if (!server.listening) await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
};

const closeServer = (server: Server): Promise<void> =>
  new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });

/** Sends raw HTTP so a request can carry two Authorization headers (fetch merges them). */
const rawGet = (base: string, path: string, headerLines: readonly string[]): Promise<number> =>
  new Promise((resolve, reject) => {
    const url = new URL(base);
    const socket = connect(Number(url.port), url.hostname, () => {
      socket.write(
        [`GET ${path} HTTP/1.1`, `Host: ${url.host}`, ...headerLines, 'Connection: close', '', ''].join(
          '\r\n',
        ),
      );
    });
    let text = '';
    socket.on('data', (chunk) => (text += String(chunk)));
    socket.on('end', () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1])));
    socket.on('error', reject);
  });

const INVALID_BODY = { error: 'invalid_token', error_description: 'The access token is not valid.' };
const STALE_BODY = {
  error: 'temporarily_unavailable',
  error_description: 'Token revocation state is stale; refusing to authorize.',
};

/** The same RFC 6750 contract, checked against every framework adapter. */
const contract = (name: string, start: () => Promise<{ base: string; close: () => Promise<void> }>): void => {
  describe(`${name} middleware`, () => {
    let base: string;
    let close: () => Promise<void>;
    beforeAll(async () => {
      ({ base, close } = await start());
    });
    afterAll(async () => {
      await close();
    });

    const get = (authorization?: string): Promise<Response> =>
      fetch(`${base}/me`, { headers: authorization === undefined ? {} : { authorization } });

    it('hands the claims to the route for a valid token (scheme case-insensitive)', async () => {
      const token = await fake.sign({ sub: `${name}-user` });
      for (const scheme of ['Bearer', 'bearer', 'BEARER']) {
        const response = await get(`${scheme} ${token}`);
        expect(response.status).toBe(200);
        expect(await response.json()).toEqual({ sub: `${name}-user` });
      }
    });

    it('answers 401 with a realm challenge when no bearer token is presented', async () => {
      for (const authorization of [undefined, 'Basic dXNlcjpwYXNz']) {
        const response = await get(authorization);
        expect(response.status).toBe(401);
        expect(response.headers.get('www-authenticate')).toBe('Bearer realm="cutoff"');
        await response.body?.cancel();
      }
    });

    it('answers the same generic 401 invalid_token for invalid, expired and revoked tokens', async () => {
      const iat = Math.floor(Date.now() / 1000) - 700;
      const revoked = await fake.sign({ sub: `${name}-revoked` });
      expect((await get(`Bearer ${revoked}`)).status).toBe(200);
      const entry = fake.revoke('user', `${name}-revoked`);
      await eventually(() => guard.status().seqApplied >= entry.seq);
      const tokens = [
        'a.b.c',
        await fake.sign({}, { typ: 'JWT' }),
        await fake.sign({ iat, exp: iat + 600 }),
        revoked,
      ];
      for (const token of tokens) {
        const response = await get(`Bearer ${token}`);
        expect(response.status).toBe(401);
        expect(response.headers.get('www-authenticate')).toBe('Bearer realm="cutoff", error="invalid_token"');
        expect(response.headers.get('content-type')).toMatch(/^application\/json/);
        expect(response.headers.get('cache-control')).toBe('no-store');
        expect(await response.json()).toEqual(INVALID_BODY);
      }
    });

    it('answers 400 invalid_request for repeated or malformed credentials', async () => {
      const token = await fake.sign();
      expect(
        await rawGet(base, '/me', [`Authorization: Bearer ${token}`, `Authorization: Bearer ${token}`]),
      ).toBe(400);
      const response = await get(`Bearer ${token}, Bearer ${token}`);
      expect(response.status).toBe(400);
      expect(response.headers.get('www-authenticate')).toBe('Bearer realm="cutoff", error="invalid_request"');
      await response.body?.cancel();
    });

    it('answers 503 with Retry-After when the revocation state is stale (fail-closed)', async () => {
      const token = await fake.sign();
      expect((await get(`Bearer ${token}`)).status).toBe(200);
      fake.heartbeats = false;
      try {
        await eventually(() => guard.status().degraded, 3000, 'degraded');
        const response = await get(`Bearer ${token}`);
        expect(response.status).toBe(503);
        expect(response.headers.get('retry-after')).toBe('1');
        expect(await response.json()).toEqual(STALE_BODY);
      } finally {
        fake.heartbeats = true;
      }
      await eventually(() => !guard.status().degraded, 1500, 'recovered');
    });
  });
};

contract('node:http guardHandler', async () => {
  const server = createServer(
    guardHandler(guard, (_req, res, claims) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ sub: claims.sub }));
    }),
  );
  const base = await listening(server);
  return { base, close: () => closeServer(server) };
});

describe('node:http guardHandler with a handler that returns what res.end() returns', () => {
  it('serves the request and logs no failure: only a promise is awaited', async () => {
    const logger = recordingLogger();
    const quiet = await startGuard(fake, { logger });
    // Plain JavaScript (or a concise arrow) hands back the ServerResponse, not a promise.
    const handler = ((_req: IncomingMessage, res: ServerResponse) => res.end('ok')) as unknown as Parameters<
      typeof guardHandler
    >[1];
    const server = createServer(guardHandler(quiet, handler));
    const base = await listening(server);
    try {
      const response = await fetch(`${base}/me`, {
        headers: { authorization: `Bearer ${await fake.sign({ sub: 'plain-js' })}` },
      });
      expect(response.status).toBe(200);
      expect(await response.text()).toBe('ok');
      expect(logger.lines.filter((line) => line.level === 'error')).toEqual([]);
    } finally {
      await closeServer(server);
    }
  });
});

contract('node:http protect', async () => {
  const guarded = protect(guard);
  const server = createServer((req, res) => {
    void guarded(req, res).then((claims) => {
      if (claims === undefined) return;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ sub: claims.sub }));
    });
  });
  const base = await listening(server);
  return { base, close: () => closeServer(server) };
});

contract('express', async () => {
  const app = express();
  app.get('/me', expressGuard(guard), (req, res) => {
    res.json({ sub: req.cutoff?.sub });
  });
  const server = createServer(app);
  const base = await listening(server);
  return { base, close: () => closeServer(server) };
});

contract('fastify plugin', async () => {
  const app = Fastify();
  await app.register(fastifyGuard(guard));
  app.get('/me', (request) => ({ sub: request.cutoff?.sub }));
  const base = await app.listen({ port: 0, host: '127.0.0.1' });
  return { base, close: () => app.close() };
});

contract('fastify preHandler', async () => {
  const app = Fastify();
  app.decorateRequest('cutoff', null);
  app.get('/public', () => ({ ok: true }));
  app.get('/me', { preHandler: fastifyPreHandler(guard) }, (request) => ({ sub: request.cutoff?.sub }));
  const base = await app.listen({ port: 0, host: '127.0.0.1' });
  return { base, close: () => app.close() };
});

contract('hono', async () => {
  const app = new Hono<CutoffHonoEnv>();
  app.use('/me', honoGuard(guard));
  app.get('/me', (c) => c.json({ sub: c.get('cutoff').sub }));
  const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }) as Server;
  await new Promise<void>((resolve) => (server.listening ? resolve() : server.once('listening', resolve)));
  const base = await listening(server);
  return { base, close: () => closeServer(server) };
});

describe('fastify scoping', () => {
  it('protects only the routes of the context the plugin is registered in', async () => {
    const app = Fastify();
    app.get('/public', () => ({ ok: true }));
    await app.register(async (scope) => {
      await scope.register(fastifyGuard(guard, { realm: 'orders' }));
      scope.get('/orders', (request) => ({ sub: request.cutoff?.sub }));
    });
    const base = await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      expect((await fetch(`${base}/public`)).status).toBe(200);
      const refused = await fetch(`${base}/orders`);
      expect(refused.status).toBe(401);
      expect(refused.headers.get('www-authenticate')).toBe('Bearer realm="orders"');
      const token = await fake.sign({ sub: 'scoped' });
      const ok = await fetch(`${base}/orders`, { headers: { authorization: `Bearer ${token}` } });
      expect(await ok.json()).toEqual({ sub: 'scoped' });
    } finally {
      await app.close();
    }
  });
});
