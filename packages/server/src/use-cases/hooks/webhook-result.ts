import type { HookActionPlan } from '../../domain/hooks/evaluate-mapping.js';
import type { RevocationRecord } from '../../domain/records.js';
import type { NotificationOutcome } from '../incident/respond-to-incident.js';

/** What every answer to a webhook names: the source and the event id recorded for it. */
export interface WebhookEventRef {
  readonly source: string;
  readonly eventId: string;
}

/** The revocation a webhook caused, as its answer reports it. */
export interface WebhookRevocationSummary {
  readonly id: string;
  readonly seq: number;
  readonly reason: string;
  readonly sessionsRevoked: number;
}

/** The one answer to a webhook: no mapping matched, a mapping matched but was not applied, or it was. */
export type WebhookResult =
  | (WebhookEventRef & { readonly matched: false; readonly detail: string })
  | (WebhookEventRef & {
      readonly matched: true;
      readonly applied: false;
      readonly action: HookActionPlan['type'];
      readonly mapping: string;
      readonly detail: string;
    })
  | (WebhookEventRef & {
      readonly matched: true;
      readonly applied: true;
      readonly action: HookActionPlan['type'];
      readonly mapping: string;
      readonly userId: string;
      readonly revocation: WebhookRevocationSummary | null;
      readonly deactivated?: boolean;
      readonly roles?: readonly string[];
      readonly mfaRequired?: boolean;
      readonly incidentId?: string;
      readonly notifications?: readonly NotificationOutcome[];
    });

/** The summary of a committed revocation, written once for every action that revokes. */
export const summarizeRevocation = (revocation: {
  readonly entry: RevocationRecord;
  readonly sessionsRevoked: number;
}): WebhookRevocationSummary => ({
  id: revocation.entry.id,
  seq: revocation.entry.seq,
  reason: revocation.entry.reason,
  sessionsRevoked: revocation.sessionsRevoked,
});
