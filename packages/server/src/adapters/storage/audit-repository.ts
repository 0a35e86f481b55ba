import { computeAuditHash, GENESIS_HASH } from '../../domain/audit-chain.js';
import type { AuditEventRecord, NewAuditEvent } from '../../domain/records.js';
import type { AuditQuery, AuditRepository } from '../../ports/storage/audit.js';
import { normalizeAuditData, rowToAuditEvent, toJsonText, toMillis } from './row-mapping.js';
import { inTransaction, lockAppends } from './store-context.js';
import type { StoreContext } from './store-context.js';

export class KyselyAuditRepository implements AuditRepository {
  readonly #context: StoreContext;

  constructor(context: StoreContext) {
    this.#context = context;
  }

  /** seq = previous seq + 1 and prev_hash = previous hash, both read under the append lock. */
  async append(event: NewAuditEvent): Promise<AuditEventRecord> {
    return inTransaction(this.#context, async (trx) => {
      await lockAppends(trx, this.#context.dialect);
      const previous = await trx
        .selectFrom('audit_events')
        .select(['seq', 'hash'])
        .orderBy('seq', 'desc')
        .limit(1)
        .executeTakeFirst();
      const seq = previous === undefined ? 1 : Number(previous.seq) + 1;
      const prevHash = previous?.hash ?? GENESIS_HASH;
      // Hash exactly what will be read back: ms-precision time, {type, id} only, JSON-normal data.
      const data = normalizeAuditData({
        reason: event.reason,
        counts: event.counts,
        request: event.request,
        details: event.details,
      });
      const stored = {
        seq,
        ts: new Date(toMillis(event.ts)),
        action: event.action,
        actor: { type: event.actor.type, id: event.actor.id },
        target: event.target === null ? null : { type: event.target.type, id: event.target.id },
        ...data,
      };
      const hash = computeAuditHash(prevHash, stored);
      await trx
        .insertInto('audit_events')
        .values({
          seq,
          ts: toMillis(stored.ts),
          action: stored.action,
          actor_type: stored.actor.type,
          actor_id: stored.actor.id,
          target_type: stored.target?.type ?? null,
          target_id: stored.target?.id ?? null,
          data: toJsonText(data),
          prev_hash: prevHash,
          hash,
        })
        .execute();
      const record: AuditEventRecord = { ...stored, prevHash, hash };
      this.#context.changes?.auditEvents.push(record);
      return record;
    });
  }

  /** Filters combine with AND; since and until are both inclusive. Ascending seq. */
  async list(query: AuditQuery): Promise<readonly AuditEventRecord[]> {
    let select = this.#context.db.selectFrom('audit_events').selectAll();
    if (query.action !== undefined) select = select.where('action', '=', query.action);
    if (query.actorId !== undefined) select = select.where('actor_id', '=', query.actorId);
    if (query.target !== undefined) {
      const target = query.target;
      const colon = target.indexOf(':');
      select = select.where((eb) =>
        colon > 0
          ? eb.or([
              eb('target_id', '=', target),
              eb.and([
                eb('target_type', '=', target.slice(0, colon)),
                eb('target_id', '=', target.slice(colon + 1)),
              ]),
            ])
          : eb('target_id', '=', target),
      );
    }
    if (query.since !== undefined) select = select.where('ts', '>=', toMillis(query.since));
    if (query.until !== undefined) select = select.where('ts', '<=', toMillis(query.until));
    if (query.afterSeq !== undefined) select = select.where('seq', '>', query.afterSeq);
    const rows = await select
      .orderBy('seq')
      .limit(Math.max(0, Math.floor(query.limit)))
      .execute();
    return rows.map(rowToAuditEvent);
  }

  async scan(afterSeq: number, limit: number): Promise<readonly AuditEventRecord[]> {
    const rows = await this.#context.db
      .selectFrom('audit_events')
      .selectAll()
      .where('seq', '>', afterSeq)
      .orderBy('seq')
      .limit(Math.max(0, Math.floor(limit)))
      .execute();
    return rows.map(rowToAuditEvent);
  }
}
