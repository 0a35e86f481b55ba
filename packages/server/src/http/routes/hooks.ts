import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { Type } from 'typebox';
import { CutoffError } from '../../domain/errors.js';
import {
  parseSignatureHeader,
  SIGNATURE_HEADER,
  SIGNATURE_PROBLEM_MESSAGES,
} from '../../domain/hooks/signature.js';
import { receiveWebhook, type WebhookResult } from '../../use-cases/hooks/receive-webhook.js';
import type { FastifyTypebox } from '../fastify-typebox.js';
import { requestInfo } from '../request-context.js';
import type { RouteDeps } from '../route-deps.js';
import { ErrorBody } from '../schemas.js';

/** Large enough for any HR or SIEM event, small enough that nobody streams a file at us. */
export const HOOK_BODY_LIMIT = 256 * 1024;

const NotificationBody = Type.Object({
  channel: Type.String(),
  status: Type.String({ description: '`queued` or `skipped`' }),
  id: Type.Union([Type.String(), Type.Null()]),
  detail: Type.Union([Type.String(), Type.Null()]),
});

export const WebhookResultBody = Type.Object({
  matched: Type.Boolean({ description: 'Whether a mapping of the source applied to the event.' }),
  applied: Type.Optional(
    Type.Boolean({ description: 'False when the mapping matched but changed nothing.' }),
  ),
  source: Type.String(),
  event_id: Type.String(),
  action: Type.Optional(Type.String()),
  mapping: Type.Optional(Type.String()),
  detail: Type.Optional(Type.String()),
  user_id: Type.Optional(Type.String()),
  revocation: Type.Optional(
    Type.Union([
      Type.Object({
        id: Type.String(),
        seq: Type.Integer(),
        reason: Type.String(),
        sessions_revoked: Type.Integer(),
      }),
      Type.Null(),
    ]),
  ),
  deactivated: Type.Optional(Type.Boolean()),
  roles: Type.Optional(Type.Array(Type.String())),
  mfa_required: Type.Optional(Type.Boolean()),
  incident_id: Type.Optional(Type.String()),
  notifications: Type.Optional(Type.Array(NotificationBody)),
});

const present = (result: WebhookResult) => {
  const common = { source: result.source, event_id: result.eventId };
  if (!result.matched) return { matched: false, ...common, detail: result.detail };
  if (!result.applied)
    return {
      matched: true,
      applied: false,
      ...common,
      action: result.action,
      mapping: result.mapping,
      detail: result.detail,
    };
  return {
    matched: true,
    applied: true,
    ...common,
    action: result.action,
    mapping: result.mapping,
    user_id: result.userId,
    revocation:
      result.revocation === null
        ? null
        : {
            id: result.revocation.id,
            seq: result.revocation.seq,
            reason: result.revocation.reason,
            sessions_revoked: result.revocation.sessionsRevoked,
          },
    ...(result.deactivated !== undefined && { deactivated: result.deactivated }),
    ...(result.roles !== undefined && { roles: [...result.roles] }),
    ...(result.mfaRequired !== undefined && { mfa_required: result.mfaRequired }),
    ...(result.incidentId !== undefined && { incident_id: result.incidentId }),
    ...(result.notifications !== undefined && {
      notifications: result.notifications.map((notification) => ({ ...notification })),
    }),
  };
};

const signatureHeaderOf = (request: FastifyRequest): string | undefined => {
  const header = request.headers[SIGNATURE_HEADER];
  return Array.isArray(header) ? header.join(',') : header;
};

/**
 * What can be refused before the body is read: an unknown source, or a request without a
 * well-formed signature header. Verifying the signature needs the raw body, so that waits.
 */
const unsignedError = (deps: RouteDeps, request: FastifyRequest): CutoffError | undefined => {
  const { source } = request.params as { readonly source?: string };
  if (source === undefined || !deps.config.hooks.sources.has(source))
    return new CutoffError('ERR_WEBHOOK_SIGNATURE', { message: 'Unknown webhook source.' });
  const header = signatureHeaderOf(request);
  if (header === undefined || header.trim() === '')
    return new CutoffError('ERR_WEBHOOK_SIGNATURE', { message: SIGNATURE_PROBLEM_MESSAGES.missing });
  if (parseSignatureHeader(header) === undefined)
    return new CutoffError('ERR_WEBHOOK_SIGNATURE', { message: SIGNATURE_PROBLEM_MESSAGES.malformed });
  return undefined;
};

const refuseUnsigned =
  (deps: RouteDeps) =>
  (request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction): void => {
    const error = unsignedError(deps, request);
    if (error === undefined) {
      done();
      return;
    }
    const { source } = request.params as { readonly source?: string };
    // Only configured sources become label values: anyone can make up a URL.
    const label = source !== undefined && deps.config.hooks.sources.has(source) ? source : 'unknown';
    deps.metrics.webhooks.inc({ source: label, result: 'rejected' });
    done(error);
  };

export const hookRoutes = (app: FastifyTypebox, deps: RouteDeps): void => {
  // Encapsulated: only this route keeps the raw bytes (the signature covers them exactly).
  void app.register((plugin, _options, done) => {
    const scope = plugin.withTypeProvider<TypeBoxTypeProvider>();
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser(
      '*',
      { parseAs: 'buffer', bodyLimit: HOOK_BODY_LIMIT },
      (_request, body, done) => {
        done(null, body);
      },
    );
    scope.post(
      '/v1/hooks/:source',
      {
        onRequest: refuseUnsigned(deps),
        schema: {
          operationId: 'receiveWebhook',
          summary: 'Receive a signed business event (HR, ITSM, SIEM)',
          tags: ['hooks'],
          security: [],
          description:
            'A signed business event (HR, ITSM, SIEM). Header `Cutoff-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">` with the source\'s secret, at most 5 minutes off. The body is JSON, at most 256 KiB; the mappings of the source decide the action (docs/webhooks.md). 200: applied; 202: accepted, nothing to do (no mapping matched, or the user is unknown); 401: unknown source, bad or stale signature, or a replayed event id, and nothing changed.',
          params: Type.Object({ source: Type.String({ minLength: 1, maxLength: 64 }) }),
          response: { 200: WebhookResultBody, 202: WebhookResultBody, 400: ErrorBody, 401: ErrorBody },
        },
      },
      async (request, reply) => {
        // Only configured sources become label values: anyone can make up a URL.
        const source = deps.config.hooks.sources.has(request.params.source)
          ? request.params.source
          : 'unknown';
        let result: WebhookResult;
        try {
          result = await receiveWebhook(deps.ctx, {
            source: request.params.source,
            rawBody: Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0),
            signatureHeader: signatureHeaderOf(request),
            request: requestInfo(request),
          });
        } catch (error) {
          deps.metrics.webhooks.inc({ source, result: 'rejected' });
          throw error;
        }
        deps.metrics.webhooks.inc({ source, result: 'accepted' });
        return reply.status(result.matched && result.applied ? 200 : 202).send(present(result));
      },
    );
    done();
  });
};
