import { Type } from 'typebox';
import { verifyAuditChain } from '../../use-cases/audit/verify-audit-chain.js';
import type { FastifyTypebox } from '../fastify-typebox.js';
import { presentAuditEvent } from '../presenters.js';
import { requireScope, type RouteDeps } from '../route-deps.js';
import { AuditEventBody, ErrorBody } from '../schemas.js';

const tags = ['audit'];

export const auditRoutes = (app: FastifyTypebox, deps: RouteDeps): void => {
  const admin = requireScope(deps, 'admin');
  app.get(
    '/v1/audit',
    {
      onRequest: admin,
      schema: {
        operationId: 'listAuditEvents',
        summary: 'List audit events',
        tags,
        description: 'Audit events in seq order. `cursor` is the `next_cursor` of the previous page.',
        querystring: Type.Object({
          action: Type.Optional(Type.String({ maxLength: 128 })),
          actor: Type.Optional(Type.String({ maxLength: 256 })),
          target: Type.Optional(Type.String({ maxLength: 512, description: '`id` or `type:id`' })),
          since: Type.Optional(Type.String({ format: 'date-time' })),
          until: Type.Optional(Type.String({ format: 'date-time' })),
          limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
          cursor: Type.Optional(Type.String({ pattern: '^\\d{1,15}$' })),
        }),
        response: {
          200: Type.Object({
            events: Type.Array(AuditEventBody),
            next_cursor: Type.Union([Type.String(), Type.Null()]),
          }),
          400: ErrorBody,
        },
      },
    },
    async (request) => {
      const { action, actor, target, since, until, limit, cursor } = request.query;
      const events = await deps.ctx.store.read((r) =>
        r.audit.list({
          limit,
          ...(action !== undefined && { action }),
          ...(actor !== undefined && { actorId: actor }),
          ...(target !== undefined && { target }),
          ...(since !== undefined && { since: new Date(since) }),
          ...(until !== undefined && { until: new Date(until) }),
          ...(cursor !== undefined && { afterSeq: Number(cursor) }),
        }),
      );
      const last = events.at(-1);
      return {
        events: events.map(presentAuditEvent),
        next_cursor: events.length === limit && last !== undefined ? String(last.seq) : null,
      };
    },
  );

  app.get(
    '/v1/audit/verify',
    {
      onRequest: admin,
      schema: {
        operationId: 'verifyAuditChain',
        summary: 'Verify the audit hash chain',
        tags,
        description: 'Recomputes the hash chain. `ok: false` names the first seq that does not match.',
        response: {
          200: Type.Object({
            ok: Type.Boolean(),
            count: Type.Integer(),
            head_hash: Type.String(),
            broken_at: Type.Union([Type.Integer(), Type.Null()]),
          }),
        },
      },
    },
    async () => {
      const result = await verifyAuditChain(deps.ctx.store);
      return { ok: result.ok, count: result.count, head_hash: result.headHash, broken_at: result.brokenAt };
    },
  );
};
