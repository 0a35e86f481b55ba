import type { AuditEventRecord, OutboxMessage, RevocationRecord } from '../../domain/records.js';
import type { CommittedChanges } from '../../ports/storage/committed-changes.js';

/**
 * The changes one transaction attempt made, recorded by the repositories as they write. A fresh
 * log per attempt: a PostgreSQL conflict retry runs the work again against a new log, so only
 * the committed attempt's changes are ever published.
 */
export class ChangeLog implements CommittedChanges {
  readonly revocations: RevocationRecord[] = [];
  readonly auditEvents: AuditEventRecord[] = [];
  readonly outboxMessages: OutboxMessage[] = [];

  get empty(): boolean {
    return this.revocations.length === 0 && this.auditEvents.length === 0 && this.outboxMessages.length === 0;
  }
}
