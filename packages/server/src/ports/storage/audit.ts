import type { AuditEventRecord, NewAuditEvent } from '../../domain/records.js';

export interface AuditQuery {
  readonly action?: string;
  readonly actorId?: string;
  /** Matches `target.id`, or `type:id`. */
  readonly target?: string;
  readonly since?: Date;
  readonly until?: Date;
  readonly limit: number;
  /** Events with seq greater than this (ascending order). */
  readonly afterSeq?: number;
}

export interface AuditRepository {
  /** Appends to the hash chain (serialized with other appends); returns the stored event. */
  append(event: NewAuditEvent): Promise<AuditEventRecord>;
  list(query: AuditQuery): Promise<readonly AuditEventRecord[]>;
  /** Every event in seq order, in batches (for verification and export). */
  scan(afterSeq: number, limit: number): Promise<readonly AuditEventRecord[]>;
}
