import { probePassed } from '../../domain/canary/canary-records.js';
import type { FastifyTypebox } from '../fastify-typebox.js';
import type { RouteDeps } from '../route-deps.js';

export const healthRoutes = (app: FastifyTypebox, deps: RouteDeps): void => {
  const hide = { hide: true } as const;
  app.get('/healthz', { schema: { ...hide } }, () => ({ status: 'ok' }));
  app.get('/readyz', { schema: { ...hide } }, async (_request, reply) => {
    try {
      await deps.ctx.store.ping();
      return { status: 'ready', store: deps.ctx.store.dialect, feed_head: deps.hub.head };
    } catch {
      return reply.status(503).send({ status: 'unavailable', store: deps.ctx.store.dialect });
    }
  });
  app.get('/metrics', { schema: { ...hide } }, async (_request, reply) => {
    deps.metrics.feedHead.set(deps.hub.head);
    deps.metrics.feedSubscribers.set(deps.hub.subscriberCount);
    const guards = deps.guards.list();
    deps.metrics.guardsConnected.set(guards.filter((guard) => guard.connected).length);
    deps.metrics.guardMaxLag.set(Math.max(0, ...guards.map((guard) => deps.hub.head - guard.seq)));
    // A store that does not answer leaves the last counts: /metrics itself must not fail with it.
    await deps.ctx.store.outbox.countOpen().then(
      (counts) => {
        deps.metrics.outboxMessages.set({ status: 'pending' }, counts.pending);
        deps.metrics.outboxMessages.set({ status: 'dead' }, counts.dead);
      },
      () => undefined,
    );
    // From the latest stored cycle, whichever replica ran it: every replica tells the same truth,
    // and a removed probe stops being reported.
    await deps.ctx.store.canary.recentRuns(1).then(
      ([latest]) => {
        deps.metrics.canaryProbePassed.reset();
        for (const probe of latest?.probes ?? [])
          deps.metrics.canaryProbePassed.set({ probe: probe.name }, probePassed(probe) ? 1 : 0);
      },
      () => undefined,
    );
    return reply.header('content-type', deps.registry.contentType).send(await deps.registry.metrics());
  });
};
