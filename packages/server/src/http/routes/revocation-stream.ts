import type { ServerResponse } from 'node:http';
import { Type } from 'typebox';
import type { RevocationEntry } from '@cutoff/guard/rule';
import type { FastifyTypebox } from '../fastify-typebox.js';
import { hasScope, parseBearer } from '../api-key-authenticator.js';
import { requireScope, type RouteDeps } from '../route-deps.js';

/** A subscriber this far behind is cut; it resumes with Last-Event-ID and misses nothing. */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;

const parseResumePoint = (lastEventId: string | string[] | undefined, after: number | undefined): number => {
  const header = Array.isArray(lastEventId) ? lastEventId[0] : lastEventId;
  if (header !== undefined && /^\d{1,15}$/.test(header)) return Number(header);
  return after ?? 0;
};

/** A short printable header value, or undefined. */
const headerValue = (value: string | string[] | undefined): string | undefined => {
  const first = Array.isArray(value) ? value[0] : value;
  return first !== undefined && /^[\x21-\x7e]{1,128}$/.test(first) ? first : undefined;
};

export const revocationStreamRoutes = (app: FastifyTypebox, deps: RouteDeps): void => {
  // Streams are hijacked from Fastify, so shutdown must end them itself or it would wait forever.
  const open = new Set<ServerResponse>();
  app.addHook('preClose', (done) => {
    // End the stream and its connection: a kept-alive idle socket would hold shutdown open.
    for (const res of open) res.end(() => res.socket?.destroy());
    done();
  });
  app.get(
    '/v1/revocations/stream',
    {
      onRequest: requireScope(deps, 'feed:read'),
      schema: {
        operationId: 'streamRevocations',
        summary: 'Stream the revocation feed (Server-Sent Events)',
        tags: ['revocations'],
        description:
          'Server-Sent Events: `event: revocation` with `id:` = seq and the entry as data; `event: heartbeat` with `{head, head_read_at, server_time, keys: {version, kids}}` at least every second (`head_read_at`: epoch ms at which this replica read `head` from the store; both are absent while the replica cannot vouch for a recent read; `keys`: the published signing key ids, newest first; a larger `version` is a later set). Resume with `Last-Event-ID` (or `?after=`).',
        querystring: Type.Object({
          after: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER })),
        }),
        produces: ['text/event-stream'],
      },
    },
    async (request, reply) => {
      const after = parseResumePoint(request.headers['last-event-id'], request.query.after);
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      res.flushHeaders();
      request.raw.socket.setNoDelay(true);

      let closed = false;
      const write = (chunk: string): void => {
        if (closed) return;
        res.write(chunk);
        if (res.writableLength > MAX_BUFFERED_BYTES) res.destroy();
      };
      // The head vouches only for what this replica read from the store, and as of when: a
      // replica that has not read it lately sends no head, and its guards go stale. The
      // published signing keys ride along, so guards drop a retired key within a heartbeat.
      const heartbeat = (): void => {
        const now = deps.ctx.clock.now().getTime();
        const vouch = deps.hub.vouch();
        const head = vouch === undefined ? '' : `"head":${vouch.head},"head_read_at":${vouch.readAtMs},`;
        write(
          `event: heartbeat\ndata: {${head}"server_time":${now},` +
            `"keys":${JSON.stringify(deps.ctx.signer.publishedKeys())}}\n\n`,
        );
      };
      const send = (entry: RevocationEntry): void =>
        write(`event: revocation\nid: ${entry.seq}\ndata: ${JSON.stringify(entry)}\n\n`);

      const guardId = headerValue(request.headers['cutoff-guard-id']);
      const disconnectGuard =
        guardId === undefined
          ? undefined
          : deps.guards.connected(guardId, headerValue(request.headers['cutoff-guard-app']) ?? 'unknown');

      write('retry: 500\n\n');
      const subscription = deps.hub.subscribe(after, send);
      const timer = setInterval(heartbeat, deps.config.feedHeartbeatMs);
      // A stream outlives the check that opened it: a key revoked (or expired) since then ends it,
      // on this replica before the revoking call returns, elsewhere within a heartbeat interval
      // plus CUTOFF_API_KEY_CACHE_MS. The check is the cached one: a few µs per stream per interval.
      const presented = parseBearer(request.headers.authorization) ?? '';
      const checkKey = (): Promise<void> =>
        deps.authenticateKey(presented).then(
          (principal) => {
            if (principal === undefined || !hasScope(principal, 'feed:read')) res.end();
          },
          () => undefined, // the store is unreachable: keep streaming what this replica knows
        );
      const keyCheck = setInterval(() => void checkKey(), deps.config.feedHeartbeatMs);
      const stopForgetting = deps.onApiKeysForgotten(checkKey);
      const close = (): void => {
        if (closed) return;
        closed = true;
        clearInterval(timer);
        clearInterval(keyCheck);
        stopForgetting();
        disconnectGuard?.();
        subscription.unsubscribe();
      };
      open.add(res);
      request.raw.on('close', close);
      res.on('close', () => {
        open.delete(res);
        close();
      });
      try {
        await subscription.ready;
        heartbeat();
      } catch (error) {
        request.log.error({ err: error }, 'revocation stream could not catch up');
        close();
        res.destroy();
      }
    },
  );
};
