import { Type } from 'typebox';
import { revoke } from '../../use-cases/revocation/revoke.js';
import type { FastifyTypebox } from '../fastify-typebox.js';
import { requestContext } from '../request-context.js';
import { principalOf, requireScope, type RouteDeps } from '../route-deps.js';
import { ErrorBody, RevocationResultBody } from '../schemas.js';
import { presentRevocationResult } from './revocations.js';

export const sessionRoutes = (app: FastifyTypebox, deps: RouteDeps): void => {
  app.delete(
    '/v1/sessions/:id',
    {
      onRequest: requireScope(deps, 'admin'),
      schema: {
        operationId: 'revokeSession',
        summary: 'Revoke one session',
        tags: ['sessions'],
        description:
          'Revokes one session (reason `manual`): its refresh tokens and access tokens stop working.',
        params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 128 }) }),
        response: { 200: RevocationResultBody, 404: ErrorBody },
      },
    },
    async (request) => {
      const result = await revoke(
        deps.ctx,
        { target: { type: 'session', id: request.params.id }, reason: 'manual' },
        requestContext(request, principalOf(request).actor),
      );
      return presentRevocationResult(result);
    },
  );
};
