import { Type } from 'typebox';
import { probePassed } from '../../domain/canary/canary-records.js';
import type { FastifyTypebox } from '../fastify-typebox.js';
import type { RouteDeps } from '../route-deps.js';

const tags = ['operations'];

export const healthRoutes = (app: FastifyTypebox, deps: RouteDeps): void => {
  app.get(
    '/healthz',
    {
      schema: {
        tags,
        security: [],
        operationId: 'getHealth',
        summary: 'Liveness: the process answers',
        description: 'Always 200 while the process runs; it reads nothing. For a liveness probe.',
        response: { 200: Type.Object({ status: Type.Literal('ok') }) },
      },
    },
    () => ({ status: 'ok' as const }),
  );
  const Readiness = Type.Object({
    status: Type.String({ description: '`ready` or `unavailable`.' }),
    store: Type.String({ description: '`sqlite` or `postgres`.' }),
    feed_head: Type.Optional(Type.Integer({ description: 'The last revocation seq this replica knows.' })),
  });
  app.get(
    '/readyz',
    {
      schema: {
        tags,
        security: [],
        operationId: 'getReadiness',
        summary: 'Readiness: the store answers',
        description: '200 when this replica reaches its store; 503 when it cannot. For a readiness probe.',
        response: {
          200: Readiness,
          503: {
            ...Readiness,
            description: 'The store cannot be reached; take this replica out of rotation.',
          },
        },
      },
    },
    async (_request, reply) => {
      try {
        await deps.ctx.store.ping();
        return { status: 'ready', store: deps.ctx.store.dialect, feed_head: deps.hub.head };
      } catch {
        return reply.status(503).send({ status: 'unavailable', store: deps.ctx.store.dialect });
      }
    },
  );
  app.get(
    '/metrics',
    {
      schema: {
        tags,
        security: [],
        operationId: 'getMetrics',
        summary: 'Prometheus metrics',
        description: 'Prometheus text exposition format (docs/operations.md lists the metrics).',
        produces: ['text/plain'],
      },
    },
    async (_request, reply) => {
      deps.metrics.feedHead.set(deps.hub.head);
      deps.metrics.feedSubscribers.set(deps.hub.subscriberCount);
      const guards = deps.guards.list();
      deps.metrics.guardsConnected.set(guards.filter((guard) => guard.connected).length);
      deps.metrics.guardMaxLag.set(Math.max(0, ...guards.map((guard) => deps.hub.head - guard.seq)));
      // A store that does not answer leaves the last counts: /metrics itself must not fail with it.
      await deps.ctx.store
        .read((r) => r.outbox.countOpen())
        .then(
          (counts) => {
            deps.metrics.outboxMessages.set({ status: 'pending' }, counts.pending);
            deps.metrics.outboxMessages.set({ status: 'dead' }, counts.dead);
          },
          () => undefined,
        );
      // From the latest stored cycle, whichever replica ran it: every replica tells the same truth,
      // and a removed probe stops being reported.
      await deps.ctx.store
        .read((r) => r.canary.recentRuns(1))
        .then(
          ([latest]) => {
            deps.metrics.canaryProbePassed.reset();
            for (const probe of latest?.probes ?? [])
              deps.metrics.canaryProbePassed.set({ probe: probe.name }, probePassed(probe) ? 1 : 0);
          },
          () => undefined,
        );
      return reply.header('content-type', deps.registry.contentType).send(await deps.registry.metrics());
    },
  );
};
