import { CutoffError } from '../../domain/errors.js';
import type { UserId } from '../../domain/ids.js';
import type { OutboxMessage, UserRecord } from '../../domain/records.js';
import { randomId } from '../../lib/secrets.js';
import type { StoreTx } from '../../ports/storage/store.js';
import { auditEvent } from '../audit/audit-event.js';
import type { RequestContext, UseCaseContext } from '../context.js';
import { incidentEmail, incidentSms } from '../notifications/incident-notice.js';
import { applyRevocation, type AppliedRevocation } from '../revocation/apply-revocation.js';

export interface IncidentInput {
  readonly userId: UserId;
  /** Internal; recorded in the audit trail and the revocation entry, never sent to the user. */
  readonly note?: string | undefined;
  /** Where to send the SMS notice (users have no phone field: the caller supplies it). */
  readonly phone?: string | null | undefined;
  readonly severity?: number | null | undefined;
  /** Extra non-secret audit context (e.g. the webhook event that raised the alert). */
  readonly details?: Readonly<Record<string, unknown>>;
}

export type NotificationChannel = 'email' | 'sms';

export interface NotificationOutcome {
  readonly channel: NotificationChannel;
  readonly status: 'queued' | 'skipped';
  /** The outbox message id when queued. */
  readonly id: string | null;
  /** Why it was skipped. */
  readonly detail: string | null;
}

export interface IncidentResult {
  readonly incidentId: string;
  readonly user: UserRecord;
  readonly revocation: AppliedRevocation;
  readonly notifications: readonly NotificationOutcome[];
}

export interface IncidentOptions {
  /** Runs first inside the incident's transaction (e.g. recording a webhook event id). */
  readonly within?: (tx: StoreTx) => Promise<void>;
}

const skipped = (channel: NotificationChannel, detail: string): NotificationOutcome => ({
  channel,
  status: 'skipped',
  id: null,
  detail,
});

/**
 * The compromised-account response, all or nothing in one transaction: every session and token
 * of the user is revoked (`security_incident`), the next login must pass MFA (`mfaRequired`, which
 * the login clears after a successful MFA login), and notices to the user are queued in the
 * durable outbox, to be delivered at least once even across restarts and mail-server outages.
 */
export const respondToIncident = async (
  ctx: UseCaseContext,
  input: IncidentInput,
  requestContext: RequestContext,
  options: IncidentOptions = {},
): Promise<IncidentResult> => {
  const now = ctx.clock.now();
  const incidentId = randomId('inc');
  const result = await ctx.store.transaction(async (tx) => {
    await options.within?.(tx);
    const user = await tx.users.findById(input.userId);
    if (user === undefined) throw new CutoffError('ERR_NOT_FOUND', { message: 'No user with that id.' });
    const context = {
      incident_id: incidentId,
      ...(input.severity !== undefined && input.severity !== null && { severity: input.severity }),
      ...input.details,
    };
    // The user row before the revocation's locks, as updateUser takes them (user, refresh tokens,
    // sessions, append lock): after them, the two deadlocked on PostgreSQL.
    await tx.users.update(user.id, { mfaRequired: true, updatedAt: now });
    const revocation = await applyRevocation(
      ctx,
      tx,
      {
        target: { type: 'user', id: user.id },
        reason: 'security_incident',
        note: input.note,
        details: context,
      },
      requestContext,
    );

    const notice = { username: user.username, at: now, incidentId };
    const message = (kind: NotificationChannel, payload: Record<string, unknown>): OutboxMessage => ({
      id: randomId('msg'),
      kind,
      payload: { ...payload, user_id: user.id, incident_id: incidentId },
      status: 'pending',
      attempts: 0,
      nextAttemptAt: now,
      lastError: null,
      createdAt: now,
      deliveredAt: null,
    });
    const notifications: NotificationOutcome[] = [];
    if (ctx.config.smtpUrl === undefined) notifications.push(skipped('email', 'email is not configured'));
    else if (user.email === null) notifications.push(skipped('email', 'the user has no email address'));
    else {
      const email = message('email', { to: user.email, ...incidentEmail(notice) });
      await tx.outbox.enqueue(email);
      notifications.push({ channel: 'email', status: 'queued', id: email.id, detail: null });
    }
    const phone = input.phone ?? null;
    if (phone === null) notifications.push(skipped('sms', 'no phone number was given'));
    else if (ctx.config.smsWebhookUrl === undefined)
      notifications.push(skipped('sms', 'SMS is not configured'));
    else {
      const sms = message('sms', { to: phone, text: incidentSms(notice) });
      await tx.outbox.enqueue(sms);
      notifications.push({ channel: 'sms', status: 'queued', id: sms.id, detail: null });
    }

    await tx.audit.append(
      auditEvent(requestContext, now, {
        action: 'incident.recorded',
        target: { type: 'user', id: user.id },
        reason: 'security_incident',
        counts: { sessions: revocation.sessionsRevoked, refresh_tokens: revocation.refreshTokensRevoked },
        details: {
          ...context,
          seq: revocation.entry.seq,
          mfa_required: true,
          note: input.note ?? null,
          notifications: notifications.map(({ channel, status, id, detail }) => ({
            channel,
            status,
            id,
            detail,
          })),
        },
      }),
    );
    return { user: { ...user, mfaRequired: true }, revocation, notifications };
  });
  return { incidentId, ...result };
};
