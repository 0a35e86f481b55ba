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
        description: 'A guard reports the highest seq it has applied, and when it applied recent ones.',
        body: Type.Object(
          {
            guard_id: Type.String({ minLength: 1, maxLength: 128 }),
            app: Type.String({ minLength: 1, maxLength: 128 }),
            seq: Type.Integer({ minimum: 0 }),
            applied: Type.Optional(
              Type.Array(
                Type.Object({
                  seq: Type.Integer({ minimum: 1 }),
                  applied_at_ms: Type.Integer({ minimum: 0 }),
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
          'Every guard this replica knows: its app, the seq it applied, its lag behind the head, last contact.',
        response: {
          200: Type.Object({
            head: Type.Integer(),
            guards: Type.Array(
              Type.Object({
                guard_id: Type.String(),
                app: Type.String(),
                seq: Type.Integer(),
                lag: Type.Integer({ description: 'Entries behind the head.' }),
                connected: Type.Boolean(),
                last_contact_at: Type.String({ format: 'date-time' }),
              }),
            ),
          }),
        },
      },
    },
    () => {
      const head = deps.hub.head;
      return {
        head,
        guards: deps.guards.list().map((guard) => ({
          guard_id: guard.guardId,
          app: guard.app,
          seq: guard.seq,
          lag: Math.max(0, head - guard.seq),
          connected: guard.connected,
          last_contact_at: new Date(guard.lastContactMs).toISOString(),
        })),
      };
    },
  );
};
