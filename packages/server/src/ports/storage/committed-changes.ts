import type { AuditEventRecord, OutboxMessage, RevocationRecord } from '../../domain/records.js';

/**
 * What one committed transaction wrote that the rest of the process must hear about: the feed
 * (revocations), observers of the audit chain, the outbox worker. The store collects it inside
 * the transaction, per attempt, and hands it to its commit listeners once the attempt that
 * committed has committed; a rolled-back attempt's changes are dropped.
 */
export interface CommittedChanges {
  /** In append (seq) order. */
  readonly revocations: readonly RevocationRecord[];
  readonly auditEvents: readonly AuditEventRecord[];
  readonly outboxMessages: readonly OutboxMessage[];
}

/** Called once per committed transaction that changed something listed above. */
export type CommitListener = (changes: CommittedChanges) => void;
