import { Type } from 'typebox';
import { DESTINATION_NAME_PATTERN } from '../../domain/destinations/delivery-rules.js';
import { CutoffError } from '../../domain/errors.js';
import type { DeadLetterRecord } from '../../ports/storage/destinations.js';
import type { DestinationTypes } from '../../ports/destination-types.js';
import {
  allDestinationStatuses,
  destinationStatus,
  type DestinationStatus,
} from '../../use-cases/destinations/destination-status.js';
import {
  putDestination,
  removeDestination,
  replayDestination,
  retryDeadLetter,
} from '../../use-cases/destinations/put-destination.js';
import type { FastifyTypebox } from '../fastify-typebox.js';
import { requestContext } from '../request-context.js';
import { principalOf, requireScope, type RouteDeps } from '../route-deps.js';
import { ErrorBody } from '../schemas.js';

const tags = ['destinations'];
const nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) =>
  Type.Union([schema, Type.Null()]);

const DestinationBody = Type.Object(
  {
    name: Type.String(),
    type: Type.String(),
    format: Type.String(),
    config: Type.Record(Type.String(), Type.Unknown(), {
      description: "The type's fields; secret fields are never shown (see `secret_fields`).",
    }),
    secret_fields: Type.Array(Type.String(), { description: 'Names of the sealed fields that are set.' }),
    max_attempts: Type.Integer(),
    paused: Type.Boolean(),
    created_at: Type.String({ format: 'date-time' }),
    updated_at: Type.String({ format: 'date-time' }),
    status: Type.Object({
      delivered_seq: Type.Integer({ description: 'Every audit event up to this seq was acknowledged.' }),
      head_seq: Type.Integer({ description: 'The newest audit seq.' }),
      lag_events: Type.Integer({ description: 'Events committed and not yet acknowledged (pending).' }),
      lag_seconds: Type.Number({ description: 'Age of the oldest unacknowledged event; 0 when caught up.' }),
      pending: Type.Integer(),
      dead: Type.Integer({ description: 'Dead-lettered events (GET .../dead-letters).' }),
      attempts: Type.Integer({ description: 'Failed attempts at the current batch.' }),
      next_attempt_at: Type.String({ format: 'date-time' }),
      last_error: nullable(Type.String()),
      last_delivered_at: nullable(Type.String({ format: 'date-time' })),
      lease_holder: nullable(Type.String({ description: 'The replica delivering it now.' })),
    }),
  },
  { title: 'Destination' },
);

const DeadLetterBody = Type.Object(
  {
    seq: Type.Integer(),
    id: Type.String({ description: 'The event id the destination receives (`<name>:<seq>`).' }),
    attempts: Type.Integer(),
    last_error: Type.String(),
    dead_at: Type.String({ format: 'date-time' }),
    retry_requested: Type.Boolean(),
  },
  { title: 'DeadLetter' },
);

const presenter =
  (types: DestinationTypes) =>
  ({ destination, headSeq, lagEvents, lagSeconds, dead, leaseHolder }: DestinationStatus) => ({
    name: destination.name,
    type: destination.type,
    format: destination.format,
    config: { ...destination.config },
    secret_fields:
      destination.sealedSecrets === null ? [] : [...(types.get(destination.type)?.secretFields ?? [])],
    max_attempts: destination.maxAttempts,
    paused: destination.paused,
    created_at: destination.createdAt.toISOString(),
    updated_at: destination.updatedAt.toISOString(),
    status: {
      delivered_seq: destination.deliveredSeq,
      head_seq: headSeq,
      lag_events: lagEvents,
      lag_seconds: lagSeconds,
      pending: lagEvents,
      dead,
      attempts: destination.attempts,
      next_attempt_at: destination.nextAttemptAt.toISOString(),
      last_error: destination.lastError,
      last_delivered_at: destination.lastDeliveredAt?.toISOString() ?? null,
      lease_holder: leaseHolder,
    },
  });

const presentDeadLetter = (letter: DeadLetterRecord) => ({
  seq: letter.seq,
  id: `${letter.destination}:${letter.seq}`,
  attempts: letter.attempts,
  last_error: letter.lastError,
  dead_at: letter.deadAt.toISOString(),
  retry_requested: letter.retryRequested,
});

const ENGINE_FIELDS = new Set(['type', 'format', 'max_attempts', 'from_seq', 'paused']);

/** Audit-stream destinations (docs/destinations.md): configuration, status, replay, dead letters. */
export const destinationRoutes = (app: FastifyTypebox, deps: RouteDeps): void => {
  const admin = requireScope(deps, 'admin');
  const presentStatus = presenter(deps.destinations.types);
  const params = Type.Object({ name: Type.String({ pattern: DESTINATION_NAME_PATTERN }) });
  const found = async (name: string) => {
    const destination = await deps.ctx.store.read((r) => r.destinations.find(name));
    if (destination === undefined)
      throw new CutoffError('ERR_NOT_FOUND', { message: 'No destination with that name.' });
    return destination;
  };

  app.put(
    '/v1/destinations/:name',
    {
      onRequest: admin,
      schema: {
        operationId: 'putDestination',
        summary: 'Create or replace an audit-stream destination',
        tags,
        description:
          "Streams every audit event, in seq order and at least once, to the destination (`http`: Standard Webhooks-signed JSON batches; `file`: JSON Lines with rotation). The type's own fields sit beside `type`; secrets (`secret`) are stored sealed and never shown. A replacement keeps the cursor. 201 created, 200 replaced; audited as `destination.configured`.",
        params,
        body: Type.Object(
          {
            type: Type.String({ minLength: 1, maxLength: 64 }),
            format: Type.Optional(Type.String({ minLength: 1, maxLength: 32, default: 'cutoff' })),
            max_attempts: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 12 })),
            from_seq: Type.Optional(
              Type.Integer({
                minimum: 1,
                maximum: Number.MAX_SAFE_INTEGER,
                description: 'First seq a new destination receives (default 1).',
              }),
            ),
            paused: Type.Optional(Type.Boolean({ default: false })),
          },
          { title: 'PutDestinationRequest', additionalProperties: true, maxProperties: 32 },
        ),
        response: { 200: DestinationBody, 201: DestinationBody, 400: ErrorBody, 404: ErrorBody },
      },
    },
    async (request, reply) => {
      const { body } = request;
      const fields = Object.fromEntries(Object.entries(body).filter(([key]) => !ENGINE_FIELDS.has(key)));
      const { destination, created } = await putDestination(
        deps.destinations,
        {
          name: request.params.name,
          type: body.type,
          format: body.format,
          maxAttempts: body.max_attempts,
          fromSeq: body.from_seq,
          paused: body.paused,
          fields,
        },
        requestContext(request, principalOf(request).actor),
      );
      return reply
        .status(created ? 201 : 200)
        .send(presentStatus(await destinationStatus(deps.ctx, destination)));
    },
  );

  app.get(
    '/v1/destinations',
    {
      onRequest: admin,
      schema: {
        operationId: 'listDestinations',
        summary: 'List destinations with their delivery status',
        tags,
        response: {
          200: Type.Object({ destinations: Type.Array(DestinationBody) }, { title: 'DestinationList' }),
        },
      },
    },
    async () => ({ destinations: (await allDestinationStatuses(deps.ctx)).map(presentStatus) }),
  );

  app.get(
    '/v1/destinations/:name',
    {
      onRequest: admin,
      schema: {
        operationId: 'getDestination',
        summary: "A destination's configuration and delivery status",
        tags,
        description:
          'Delivered seq, head seq, lag in events and seconds, dead letters, last error and lease holder.',
        params,
        response: { 200: DestinationBody, 404: ErrorBody },
      },
    },
    async (request) => presentStatus(await destinationStatus(deps.ctx, await found(request.params.name))),
  );

  app.delete(
    '/v1/destinations/:name',
    {
      onRequest: admin,
      schema: {
        operationId: 'deleteDestination',
        summary: 'Remove a destination',
        tags,
        description:
          'Stops delivery and forgets its cursor and dead letters; audited as `destination.removed`.',
        params,
        response: { 204: Type.Null(), 404: ErrorBody },
      },
    },
    async (request, reply) => {
      await removeDestination(
        deps.destinations,
        request.params.name,
        requestContext(request, principalOf(request).actor),
      );
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/v1/destinations/:name/replay',
    {
      onRequest: admin,
      schema: {
        operationId: 'replayDestination',
        summary: 'Deliver a destination again from an audit seq',
        tags,
        description:
          'Moves the cursor so every event from `from_seq` on is delivered again, with the same ids (receivers dedupe). Audited as `destination.replayed`.',
        params,
        body: Type.Object(
          { from_seq: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }) },
          { title: 'ReplayDestinationRequest', additionalProperties: false },
        ),
        response: { 200: DestinationBody, 400: ErrorBody, 404: ErrorBody },
      },
    },
    async (request) =>
      presentStatus(
        await destinationStatus(
          deps.ctx,
          await replayDestination(
            deps.destinations,
            request.params.name,
            request.body.from_seq,
            requestContext(request, principalOf(request).actor),
          ),
        ),
      ),
  );

  app.get(
    '/v1/destinations/:name/dead-letters',
    {
      onRequest: admin,
      schema: {
        operationId: 'listDestinationDeadLetters',
        summary: "A destination's dead-lettered events",
        tags,
        description: 'Events that exhausted `max_attempts`, ascending seq; the stream went on without them.',
        params,
        querystring: Type.Object({
          after_seq: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, default: 0 }),
          limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
        }),
        response: {
          200: Type.Object({ dead_letters: Type.Array(DeadLetterBody) }, { title: 'DeadLetterList' }),
          404: ErrorBody,
        },
      },
    },
    async (request) => {
      const destination = await found(request.params.name);
      const letters = await deps.ctx.store.read((r) =>
        r.destinations.listDeadLetters(destination.name, {
          limit: request.query.limit,
          afterSeq: request.query.after_seq,
        }),
      );
      return { dead_letters: letters.map(presentDeadLetter) };
    },
  );

  app.post(
    '/v1/destinations/:name/dead-letters/:seq/retry',
    {
      onRequest: admin,
      schema: {
        operationId: 'retryDestinationDeadLetter',
        summary: 'Send a dead-lettered event again',
        tags,
        description:
          'The worker sends the event once more (out of order, same id) before the stream goes on; on success the dead letter is gone. Audited as `destination.dead_letter_retried`.',
        params: Type.Object({
          name: Type.String({ pattern: DESTINATION_NAME_PATTERN }),
          seq: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }),
        }),
        response: { 202: Type.Null(), 404: ErrorBody },
      },
    },
    async (request, reply) => {
      await retryDeadLetter(
        deps.destinations,
        request.params.name,
        request.params.seq,
        requestContext(request, principalOf(request).actor),
      );
      return reply.status(202).send(null);
    },
  );
};
