import { Type } from 'typebox';
import { toNumericDate } from '../../ports/clock.js';
import { toFeedEntry } from '../../use-cases/feed/revocation-feed-hub.js';
import { revoke, type RevokeResult } from '../../use-cases/revocation/revoke.js';
import type { FastifyTypebox } from '../fastify-typebox.js';
import { requestContext } from '../request-context.js';
import { principalOf, requireScope, type RouteDeps } from '../route-deps.js';
import { CreateRevocationBody, ErrorBody, FeedPageBody, RevocationResultBody } from '../schemas.js';

const tags = ['revocations'];

export const presentRevocationResult = (result: RevokeResult) => ({
  id: result.dryRun ? null : result.entry.id,
  seq: result.dryRun ? null : result.entry.seq,
  dry_run: result.dryRun,
  sessions_revoked: result.sessionsRevoked,
  refresh_tokens_revoked: result.refreshTokensRevoked,
  effective_at: result.dryRun ? null : result.entry.createdAt.toISOString(),
  matched: {
    users: result.matched.users,
    sessions: result.matched.sessions,
    known: result.matched.known,
    ...(result.matched.knownGroup !== undefined && { known_group: result.matched.knownGroup }),
  },
  warnings: result.warnings.map((warning) => ({
    code: warning.code,
    message: warning.message,
    ...(warning.suggestions !== undefined && { suggestions: [...warning.suggestions] }),
  })),
});

export const revocationRoutes = (app: FastifyTypebox, deps: RouteDeps): void => {
  app.post(
    '/v1/revocations',
    {
      onRequest: requireScope(deps, 'admin'),
      schema: {
        operationId: 'createRevocation',
        summary: 'Revoke a session, token, user, group, role, client or everyone',
        tags,
        description:
          'Cuts a session, token (jti), user, group, role, client or everyone (`all`, id `*`) off. The entry, the session and refresh-token changes and the audit event commit together before the response. `dry_run` counts and changes nothing (200). `matched` says what the target covered and `warnings` flags a target that matched nothing (a mistyped group or role; the entry is written anyway, with close known names suggested).',
        body: CreateRevocationBody,
        response: {
          201: RevocationResultBody,
          200: RevocationResultBody,
          400: ErrorBody,
          404: ErrorBody,
          503: ErrorBody,
        },
      },
    },
    async (request, reply) => {
      const { body } = request;
      const result = await revoke(
        deps.ctx,
        { target: body.target, reason: body.reason, note: body.note, dryRun: body.dry_run ?? false },
        requestContext(request, principalOf(request).actor),
      );
      const presented = presentRevocationResult(result);
      if (result.dryRun || body.wait === undefined)
        return reply.status(result.dryRun ? 200 : 201).send(presented);
      const deliveries = await deps.guards.waitForGuards(
        result.entry.seq,
        result.entry.createdAt.getTime(),
        body.wait.timeout_ms,
      );
      return reply.status(201).send({
        ...presented,
        guards: {
          total: deliveries.length,
          applied: deliveries.filter((delivery) => delivery.applied).length,
          results: deliveries.map((delivery) => ({
            guard_id: delivery.guardId,
            app: delivery.app,
            applied: delivery.applied,
            latency_ms: delivery.latencyMs === null ? null : Math.round(delivery.latencyMs),
          })),
        },
      });
    },
  );

  app.get(
    '/v1/revocations',
    {
      onRequest: requireScope(deps, 'feed:read'),
      schema: {
        operationId: 'listRevocations',
        summary: 'Read the revocation feed (snapshot or changes after a seq)',
        tags,
        description:
          'Live revocation entries after `after` (0: a full snapshot), oldest first, and the feed head.',
        querystring: Type.Object({
          after: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, default: 0 }),
          limit: Type.Integer({ minimum: 1, maximum: 10_000, default: 10_000 }),
        }),
        response: { 200: FeedPageBody },
      },
    },
    async (request) => {
      const { after, limit } = request.query;
      const now = deps.ctx.clock.now();
      // Read the head first: every entry up to it has committed and is in the listing below.
      const head = await deps.ctx.store.read((r) => r.revocations.head());
      const records = await deps.ctx.store.read((r) =>
        r.revocations.listLive(after, toNumericDate(now), limit + 1),
      );
      const hasMore = records.length > limit;
      const entries = (hasMore ? records.slice(0, limit) : records).map(toFeedEntry);
      return {
        head: Math.max(head, entries.at(-1)?.seq ?? 0),
        head_read_at: now.getTime(),
        server_time: now.getTime(),
        has_more: hasMore,
        entries,
      };
    },
  );
};
