import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json.js';
import type { AuditEventFields, AuditEventRecord } from './records.js';

/** What is hashed: a new event (its action from the closed list) or one read back. */
type HashedEvent = AuditEventFields & { readonly action: string; readonly seq: number };

/** The hash that precedes the first event of a chain. */
export const GENESIS_HASH = '0'.repeat(64);

/** The event as it is hashed and exported: snake_case, ISO timestamps, no derived fields. */
export const auditEventBody = (event: HashedEvent) => ({
  seq: event.seq,
  ts: event.ts.toISOString(),
  action: event.action,
  actor: { type: event.actor.type, id: event.actor.id },
  target: event.target,
  reason: event.reason,
  counts: event.counts,
  request: event.request,
  details: event.details,
});

/**
 * An audit event as it leaves Cutoff (the API, `cutoff audit export`, every SIEM destination): the
 * hashed body plus its chain links, so any copy can be checked for gaps and edits on its own.
 */
export const exportedAuditEvent = (event: AuditEventRecord) => ({
  ...auditEventBody(event),
  prev_hash: event.prevHash,
  hash: event.hash,
});
export type ExportedAuditEvent = ReturnType<typeof exportedAuditEvent>;

/** `hash = sha256(prev_hash + canonical JSON)` (RFC 8785 canonical JSON). */
export const computeAuditHash = (prevHash: string, event: HashedEvent): string => {
  const canonical = canonicalJson(auditEventBody(event));
  return createHash('sha256').update(prevHash).update(canonical).digest('hex');
};

export interface ChainVerification {
  readonly ok: boolean;
  readonly count: number;
  readonly headHash: string;
  /** The first seq whose hash or link does not match, when `ok` is false. */
  readonly brokenAt: number | null;
}

/** Folds over events in seq order; call `result()` at the end. */
export class AuditChainVerifier {
  #prevHash = GENESIS_HASH;
  #count = 0;
  #brokenAt: number | null = null;

  add(event: AuditEventRecord): void {
    this.#count += 1;
    if (this.#brokenAt !== null) return;
    if (event.prevHash !== this.#prevHash || computeAuditHash(event.prevHash, event) !== event.hash) {
      this.#brokenAt = event.seq;
    }
    this.#prevHash = event.hash;
  }

  result(): ChainVerification {
    return {
      ok: this.#brokenAt === null,
      count: this.#count,
      headHash: this.#prevHash,
      brokenAt: this.#brokenAt,
    };
  }
}
