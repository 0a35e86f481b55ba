import type { RevocationId } from '../../domain/ids.js';
import type { NewRevocation, RevocationRecord } from '../../domain/records.js';

export interface RevocationRepository {
  /**
   * Appends an entry and returns it with its seq. Seqs are assigned in commit order (the
   * PostgreSQL adapter serializes appends) so a reader that saw seq N never later finds N-1.
   */
  append(entry: NewRevocation): Promise<RevocationRecord>;
  /** Entries with seq > after and expires_at > now (seconds), oldest first. */
  listLive(after: number, now: number, limit: number): Promise<readonly RevocationRecord[]>;
  /** The highest seq ever assigned (0 when none). */
  head(): Promise<number>;
  findById(id: RevocationId): Promise<RevocationRecord | undefined>;
}
