import { Type } from 'typebox';
import type { FastifyTypebox } from '../fastify-typebox.js';
import { CutoffError } from '../../domain/errors.js';
import { userIdParam } from '../id-params.js';
import { createUser } from '../../use-cases/users/create-user.js';
import { confirmTotp } from '../../use-cases/users/confirm-totp.js';
import { enrolTotp } from '../../use-cases/users/enrol-totp.js';
import { updateUser } from '../../use-cases/users/update-user.js';
import { presentSession, presentUser } from '../presenters.js';
import { requestContext } from '../request-context.js';
import { principalOf, requireScope, type RouteDeps } from '../route-deps.js';
import {
  ConfirmTotpBody,
  CreateUserBody,
  ErrorBody,
  SessionBody,
  UpdateUserBody,
  UserBody,
} from '../schemas.js';

const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 128 }) });
const tags = ['users'];

export const userRoutes = (app: FastifyTypebox, deps: RouteDeps): void => {
  const admin = requireScope(deps, 'admin');
  const notFound = (): CutoffError => new CutoffError('ERR_NOT_FOUND', { message: 'No user with that id.' });

  app.post(
    '/v1/users',
    {
      onRequest: admin,
      schema: {
        operationId: 'createUser',
        summary: 'Create a user',
        tags,
        body: CreateUserBody,
        response: { 201: UserBody, 409: ErrorBody },
      },
    },
    async (request, reply) => {
      const { body } = request;
      const user = await createUser(deps.ctx, body, requestContext(request, principalOf(request).actor));
      return reply.status(201).send(presentUser(user));
    },
  );

  app.get(
    '/v1/users',
    {
      onRequest: admin,
      schema: {
        operationId: 'listUsers',
        summary: 'List users',
        tags,
        querystring: Type.Object({
          username: Type.Optional(Type.String({ maxLength: 256 })),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
          cursor: Type.Optional(Type.String({ maxLength: 512 })),
        }),
        response: {
          200: Type.Object({
            users: Type.Array(UserBody),
            next_cursor: Type.Union([Type.String(), Type.Null()]),
          }),
        },
      },
    },
    async (request) => {
      const { username, limit, cursor } = request.query;
      const page = await deps.ctx.store.read((r) =>
        r.users.list({
          limit: limit ?? 100,
          ...(username !== undefined && { username }),
          ...(cursor !== undefined && { cursor }),
        }),
      );
      return { users: page.items.map(presentUser), next_cursor: page.nextCursor };
    },
  );

  app.get(
    '/v1/users/:id',
    {
      onRequest: admin,
      schema: {
        operationId: 'getUser',
        summary: 'Get a user',
        tags,
        params: IdParams,
        response: { 200: UserBody, 404: ErrorBody },
      },
    },
    async (request) => {
      const user = await deps.ctx.store.read((r) => r.users.findById(userIdParam(request.params.id)));
      if (user === undefined) throw notFound();
      return presentUser(user);
    },
  );

  app.patch(
    '/v1/users/:id',
    {
      onRequest: admin,
      schema: {
        operationId: 'updateUser',
        summary: 'Update a user',
        tags,
        description:
          "Updates a user. Deactivation, a password change, or removing a role or group revokes the user's sessions.",
        params: IdParams,
        body: UpdateUserBody,
        response: {
          200: Type.Intersect([
            UserBody,
            Type.Object({
              revocation: Type.Union([
                Type.Object({
                  id: Type.String(),
                  seq: Type.Integer(),
                  reason: Type.String(),
                  sessions_revoked: Type.Integer(),
                }),
                Type.Null(),
              ]),
            }),
          ]),
          404: ErrorBody,
        },
      },
    },
    async (request) => {
      const result = await updateUser(
        deps.ctx,
        userIdParam(request.params.id),
        request.body,
        requestContext(request, principalOf(request).actor),
      );
      const { revocation } = result;
      return {
        ...presentUser(result.user),
        revocation:
          revocation === null
            ? null
            : {
                id: revocation.entry.id,
                seq: revocation.entry.seq,
                reason: revocation.entry.reason,
                sessions_revoked: revocation.sessionsRevoked,
              },
      };
    },
  );

  app.post(
    '/v1/users/:id/totp',
    {
      onRequest: admin,
      schema: {
        operationId: 'enrollTotp',
        summary: 'Enrol a user in TOTP',
        tags,
        description:
          'Starts a TOTP enrolment (or replaces a pending one). The secret and otpauth URI are returned once. Login is unchanged until POST /v1/users/{id}/totp/confirm answers 200.',
        params: IdParams,
        response: { 201: Type.Object({ secret: Type.String(), otpauth_uri: Type.String() }), 404: ErrorBody },
      },
    },
    async (request, reply) => {
      const enrolment = await enrolTotp(
        deps.ctx,
        userIdParam(request.params.id),
        requestContext(request, principalOf(request).actor),
      );
      return reply
        .status(201)
        .header('cache-control', 'no-store')
        .send({ secret: enrolment.secret, otpauth_uri: enrolment.uri });
    },
  );

  app.post(
    '/v1/users/:id/totp/confirm',
    {
      // Authentication before the body is parsed: an unauthenticated caller learns nothing.
      onRequest: admin,
      schema: {
        operationId: 'confirmTotp',
        summary: 'Confirm a TOTP enrolment with a first valid code',
        tags,
        description:
          'Confirms the pending TOTP enrolment with a first valid code: from then on every login needs a code. The confirming code is used up.',
        params: IdParams,
        body: ConfirmTotpBody,
        response: { 200: UserBody, 400: ErrorBody, 404: ErrorBody, 409: ErrorBody },
      },
    },
    async (request) => {
      const user = await confirmTotp(
        deps.ctx,
        userIdParam(request.params.id),
        request.body.code,
        requestContext(request, principalOf(request).actor),
      );
      return presentUser(user);
    },
  );

  app.get(
    '/v1/users/:id/sessions',
    {
      onRequest: admin,
      schema: {
        operationId: 'listUserSessions',
        summary: "List a user's sessions",
        tags,
        params: IdParams,
        response: { 200: Type.Object({ sessions: Type.Array(SessionBody) }), 404: ErrorBody },
      },
    },
    async (request) => {
      const id = userIdParam(request.params.id);
      if ((await deps.ctx.store.read((r) => r.users.findById(id))) === undefined) throw notFound();
      const now = deps.ctx.clock.now();
      const sessions = await deps.ctx.store.read((r) => r.sessions.listByUser(id));
      return { sessions: sessions.map((session) => presentSession(session, now)) };
    },
  );
};
