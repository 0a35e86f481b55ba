import { Type } from 'typebox';
import { userIdParam } from '../id-params.js';
import { investigateUser } from '../../use-cases/incident/investigate-user.js';
import { respondToIncident } from '../../use-cases/incident/respond-to-incident.js';
import type { FastifyTypebox } from '../fastify-typebox.js';
import { presentAuditEvent, presentUser } from '../presenters.js';
import { requestContext } from '../request-context.js';
import { principalOf, requireScope, type RouteDeps } from '../route-deps.js';
import { AuditEventBody, ErrorBody, UserBody } from '../schemas.js';

const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 128 }) });
const tags = ['incident response'];
const Timestamp = Type.String({ format: 'date-time' });
/** E.164-ish: digits with an optional leading +, spaces, dots, dashes and parentheses. */
export const PHONE_PATTERN = '^\\+?[0-9][0-9 ().-]{3,30}$';

const IncidentBody = Type.Object(
  {
    note: Type.Optional(
      Type.String({ maxLength: 2000, description: 'Internal: audit trail only, never sent to the user.' }),
    ),
    phone: Type.Optional(
      Type.String({
        pattern: PHONE_PATTERN,
        description: 'Sends the SMS notice to this number (users have no phone field).',
      }),
    ),
  },
  { additionalProperties: false },
);

const IncidentResultBody = Type.Object({
  incident_id: Type.String(),
  user_id: Type.String(),
  mfa_required: Type.Boolean(),
  revocation: Type.Object({
    id: Type.String(),
    seq: Type.Integer(),
    reason: Type.String(),
    sessions_revoked: Type.Integer(),
    refresh_tokens_revoked: Type.Integer(),
  }),
  notifications: Type.Array(
    Type.Object({
      channel: Type.String(),
      status: Type.String({ description: '`queued` or `skipped`' }),
      id: Type.Union([Type.String(), Type.Null()]),
      detail: Type.Union([Type.String(), Type.Null()]),
    }),
  ),
});

const RevokedSessionBody = Type.Object({
  id: Type.String(),
  client_id: Type.String(),
  ip: Type.Union([Type.String(), Type.Null()]),
  user_agent: Type.Union([Type.String(), Type.Null()]),
  device_fingerprint: Type.Union([Type.String(), Type.Null()], {
    description: 'First 16 hex digits of SHA-256 of the user agent.',
  }),
  amr: Type.Array(Type.String()),
  created_at: Timestamp,
  last_seen_at: Timestamp,
  revoked_at: Type.Union([Timestamp, Type.Null()]),
  revoked_reason: Type.Union([Type.String(), Type.Null()]),
  duration_seconds: Type.Integer({ description: 'From the login to the revocation.' }),
});

const InvestigationBody = Type.Object({
  user: UserBody,
  since: Timestamp,
  active_sessions: Type.Integer(),
  distinct_ips: Type.Array(Type.String()),
  revoked_sessions: Type.Array(RevokedSessionBody),
  events: Type.Array(AuditEventBody),
});

export const incidentRoutes = (app: FastifyTypebox, deps: RouteDeps): void => {
  const admin = requireScope(deps, 'admin');

  app.post(
    '/v1/users/:id/incident',
    {
      onRequest: admin,
      schema: {
        operationId: 'respondToIncident',
        summary: 'Respond to a compromised account',
        tags,
        description:
          "The compromised-account response, in one transaction: revokes every session and token of the user (`security_incident`), requires MFA at the next login, and queues notices to the user (email to the user's address when SMTP is configured; SMS to `phone` when an SMS endpoint is configured) in the durable outbox.",
        params: IdParams,
        body: IncidentBody,
        response: { 200: IncidentResultBody, 400: ErrorBody, 404: ErrorBody },
      },
    },
    async (request) => {
      const result = await respondToIncident(
        deps.ctx,
        { userId: userIdParam(request.params.id), note: request.body.note, phone: request.body.phone },
        requestContext(request, principalOf(request).actor),
      );
      return {
        incident_id: result.incidentId,
        user_id: result.user.id,
        mfa_required: result.user.mfaRequired,
        revocation: {
          id: result.revocation.entry.id,
          seq: result.revocation.entry.seq,
          reason: result.revocation.entry.reason,
          sessions_revoked: result.revocation.sessionsRevoked,
          refresh_tokens_revoked: result.revocation.refreshTokensRevoked,
        },
        notifications: result.notifications.map((notification) => ({ ...notification })),
      };
    },
  );

  app.get(
    '/v1/users/:id/investigation',
    {
      onRequest: admin,
      schema: {
        operationId: 'getUserInvestigation',
        summary: "Investigate a user's sessions and activity",
        tags,
        description:
          "The user's revoked sessions (address, user agent and device fingerprint, start, last seen, duration, reason) and the related audit events (revocations, refresh-token reuse, failed logins and MFA failures, incidents) since `since` (default: 30 days ago).",
        params: IdParams,
        querystring: Type.Object({
          since: Type.Optional(Timestamp),
          limit: Type.Integer({
            minimum: 1,
            maximum: 1000,
            default: 200,
            description: 'Most recent events.',
          }),
          sessions: Type.Integer({
            minimum: 1,
            maximum: 500,
            default: 100,
            description: 'Most recent sessions.',
          }),
          include_canary: Type.Boolean({
            default: false,
            description: "Include the canary's own revocations (reason `canary`), hidden by default.",
          }),
        }),
        response: { 200: InvestigationBody, 404: ErrorBody },
      },
    },
    async (request) => {
      const { since, limit, sessions, include_canary: includeCanary } = request.query;
      const view = await investigateUser(deps.ctx, {
        includeCanary,
        userId: userIdParam(request.params.id),
        since: since === undefined ? undefined : new Date(since),
        eventLimit: limit,
        sessionLimit: sessions,
      });
      return {
        user: presentUser(view.user),
        since: view.since.toISOString(),
        active_sessions: view.activeSessions,
        distinct_ips: [...view.distinctIps],
        revoked_sessions: view.revokedSessions.map(({ session, durationSeconds, deviceFingerprint }) => ({
          id: session.id,
          client_id: session.clientId,
          ip: session.ip,
          user_agent: session.userAgent,
          device_fingerprint: deviceFingerprint,
          amr: [...session.amr],
          created_at: session.createdAt.toISOString(),
          last_seen_at: session.lastSeenAt.toISOString(),
          revoked_at: session.revokedAt?.toISOString() ?? null,
          revoked_reason: session.revokedReason,
          duration_seconds: durationSeconds,
        })),
        events: view.events.map(presentAuditEvent),
      };
    },
  );
};
