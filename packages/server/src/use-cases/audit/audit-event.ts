import type { AuditAction } from '../../domain/audit-actions.js';
import type { AuditTarget, NewAuditEvent } from '../../domain/records.js';
import type { RequestContext } from '../context.js';

export interface AuditEventInput {
  readonly action: AuditAction;
  readonly target: AuditTarget | null;
  readonly reason?: string | null;
  readonly counts?: Readonly<Record<string, number>> | null;
  readonly details?: Readonly<Record<string, unknown>> | null;
}

/** An audit event by the caller of `requestContext`, at `ts`; absent fields are recorded as null. */
export const auditEvent = (
  requestContext: RequestContext,
  ts: Date,
  input: AuditEventInput,
): NewAuditEvent => ({
  ts,
  action: input.action,
  actor: requestContext.actor,
  target: input.target,
  reason: input.reason ?? null,
  counts: input.counts ?? null,
  request: requestContext.request,
  details: input.details ?? null,
});
