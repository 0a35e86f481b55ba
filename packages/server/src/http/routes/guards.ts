import { Type } from 'typebox';
import type { FastifyTypebox } from '../fastify-typebox.js';
import { requireScope, type RouteDeps } from '../route-deps.js';

const tags = ['guards'];

export const guardRoutes = (app: FastifyTypebox, deps: RouteDeps): void => {
  app.post(
    '/v1/guards/report',
    {
      onRequest: requireScope(deps, 'feed:read'),
      schema: {
        operationId: 'reportGuardState',
        summary: 'Report the feed position of a guard',
        tags,
        description:
          'A guard reports the highest seq it has applied, when it applied recent ones, and whether it knows itself current (`degraded`, `staleness_ms`).',
        body: Type.Object(
          {
            guard_id: Type.String({ minLength: 1, maxLength: 128 }),
            app: Type.String({ minLength: 1, maxLength: 128 }),
            seq: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
            degraded: Type.Optional(Type.Boolean()),
            staleness_ms: Type.Optional(Type.Union([Type.Integer({ minimum: 0 }), Type.Null()])),
            applied: Type.Optional(
              Type.Array(
                Type.Object({
                  seq: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }),
                  applied_at_ms: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
                }),
                {
                  maxItems: 1000,
                },
              ),
            ),
          },
          { additionalProperties: false },
        ),
        response: { 204: Type.Null() },
      },
    },
    async (request, reply) => {
      const { body } = request;
      deps.guards.report({
        guardId: body.guard_id,
        app: body.app,
        seq: body.seq,
        ...(body.degraded !== undefined && {
          freshness: { degraded: body.degraded, stalenessMs: body.staleness_ms ?? null },
        }),
        applied: (body.applied ?? []).map((item) => ({ seq: item.seq, appliedAtMs: item.applied_at_ms })),
      });
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/v1/guards',
    {
      onRequest: requireScope(deps, 'admin'),
      schema: {
        operationId: 'listGuards',
        summary: 'List connected guards and their lag',
        tags,
        description:
          "Every guard this replica knows: its app, the seq it applied, its lag behind the store's head (read by this request), whether it reported itself current, last contact.",
        response: {
          200: Type.Object({
            head: Type.Integer({ description: 'The store head, read by this request.' }),
            head_read_at: Type.String({ format: 'date-time' }),
            guards: Type.Array(
              Type.Object({
                guard_id: Type.String(),
                app: Type.String(),
                seq: Type.Integer(),
                lag: Type.Integer({ description: 'Entries behind the head.' }),
                degraded: Type.Union([Type.Boolean(), Type.Null()], {
                  description:
                    'As the guard last reported: true while it cannot vouch for being current; null for guards that do not report it.',
                }),
                staleness_ms: Type.Union([Type.Integer(), Type.Null()], {
                  description:
                    'As the guard last reported: ms since it last knew it had applied everything the store held.',
                }),
                connected: Type.Boolean(),
                last_contact_at: Type.String({ format: 'date-time' }),
              }),
            ),
          }),
        },
      },
    },
    async () => {
      // Lag against what the store holds now, not against this replica's memory of it: a
      // replica cut off from the store would otherwise show its guards "lag 0" while they miss
      // every revocation made elsewhere.
      const readAt = deps.ctx.clock.now();
      const head = Math.max(await deps.ctx.store.read((r) => r.revocations.head()), deps.hub.head);
      return {
        head,
        head_read_at: readAt.toISOString(),
        guards: deps.guards.list().map((guard) => ({
          guard_id: guard.guardId,
          app: guard.app,
          seq: guard.seq,
          lag: Math.max(0, head - guard.seq),
          degraded: guard.freshness?.degraded ?? null,
          staleness_ms: guard.freshness?.stalenessMs ?? null,
          connected: guard.connected,
          last_contact_at: new Date(guard.lastContactMs).toISOString(),
        })),
      };
    },
  );
};
