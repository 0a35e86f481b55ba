import { Type } from 'typebox';
import type { OutboxMessage } from '../../domain/records.js';
import { retryDeadMessage } from '../../use-cases/notifications/retry-dead-message.js';
import type { FastifyTypebox } from '../fastify-typebox.js';
import { requestContext } from '../request-context.js';
import { principalOf, requireScope, type RouteDeps } from '../route-deps.js';
import { ErrorBody } from '../schemas.js';

const OutboxMessageBody = Type.Object({
  id: Type.String(),
  kind: Type.String(),
  /** The recipient only: the message text stays in the store. */
  to: Type.Union([Type.String(), Type.Null()]),
  status: Type.Union([Type.Literal('pending'), Type.Literal('delivered'), Type.Literal('dead')]),
  attempts: Type.Integer(),
  next_attempt_at: Type.String(),
  last_error: Type.Union([Type.String(), Type.Null()]),
  created_at: Type.String(),
  delivered_at: Type.Union([Type.String(), Type.Null()]),
});

const presentMessage = (message: OutboxMessage) => ({
  id: message.id,
  kind: message.kind,
  to: typeof message.payload['to'] === 'string' ? message.payload['to'] : null,
  status: message.status,
  attempts: message.attempts,
  next_attempt_at: message.nextAttemptAt.toISOString(),
  last_error: message.lastError,
  created_at: message.createdAt.toISOString(),
  delivered_at: message.deliveredAt?.toISOString() ?? null,
});

/** The notification outbox for operators: what is stuck, and a new round for dead messages. */
export const outboxRoutes = (app: FastifyTypebox, deps: RouteDeps): void => {
  const admin = requireScope(deps, 'admin');

  app.get(
    '/v1/outbox',
    {
      onRequest: admin,
      schema: {
        operationId: 'listOutboxMessages',
        summary: 'List user notifications in the outbox',
        tags: ['notifications'],
        description:
          'User notifications (incident emails and SMS) in the durable outbox, oldest first. `status=dead`: those that ran out of attempts.',
        querystring: Type.Object({
          status: Type.Optional(
            Type.Union([Type.Literal('pending'), Type.Literal('delivered'), Type.Literal('dead')]),
          ),
          limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
        }),
        response: { 200: Type.Object({ messages: Type.Array(OutboxMessageBody) }) },
      },
    },
    async (request) => {
      const { status, limit } = request.query;
      const messages = await deps.ctx.store.read((r) =>
        r.outbox.list({ limit, ...(status !== undefined && { status }) }),
      );
      return { messages: messages.map(presentMessage) };
    },
  );

  app.post(
    '/v1/outbox/:id/retry',
    {
      onRequest: admin,
      schema: {
        operationId: 'retryOutboxMessage',
        summary: 'Retry a dead notification',
        tags: ['notifications'],
        description:
          'Gives a dead message a new round of attempts, due now (audited as `outbox.retried`). 409 unless it is dead.',
        params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 128 }) }),
        response: { 200: OutboxMessageBody, 404: ErrorBody, 409: ErrorBody },
      },
    },
    async (request) =>
      presentMessage(
        await retryDeadMessage(
          deps.ctx,
          request.params.id,
          requestContext(request, principalOf(request).actor),
        ),
      ),
  );
};
