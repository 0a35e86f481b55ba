import type { SessionId, UserId } from '../../domain/ids.js';
import type { SessionRecord } from '../../domain/records.js';
import type { SessionRepository, SessionSelector } from '../../ports/store.js';
import { rowToSession, sessionToRow, toMillis } from './row-mapping.js';
import { sessionCovered } from './selectors.js';
import { updatedRows } from './store-context.js';
import type { StoreContext } from './store-context.js';

export class KyselySessionRepository implements SessionRepository {
  readonly #context: StoreContext;

  constructor(context: StoreContext) {
    this.#context = context;
  }

  async insert(session: SessionRecord): Promise<void> {
    await this.#context.db.insertInto('sessions').values(sessionToRow(session)).execute();
  }

  async findById(id: SessionId): Promise<SessionRecord | undefined> {
    const row = await this.#context.db
      .selectFrom('sessions')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row === undefined ? undefined : rowToSession(row);
  }

  /** Newest first. */
  async listByUser(userId: UserId): Promise<readonly SessionRecord[]> {
    const rows = await this.#context.db
      .selectFrom('sessions')
      .selectAll()
      .where('user_id', '=', userId)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .execute();
    return rows.map(rowToSession);
  }

  async touch(id: SessionId, lastSeenAt: Date, idleExpiresAt: Date): Promise<void> {
    await this.#context.db
      .updateTable('sessions')
      .set({ last_seen_at: toMillis(lastSeenAt), idle_expires_at: toMillis(idleExpiresAt) })
      .where('id', '=', id)
      .where('status', '=', 'active')
      .execute();
  }

  async revoke(selector: SessionSelector, at: Date, reason: string): Promise<number> {
    const result = await this.#context.db
      .updateTable('sessions')
      .set({ status: 'revoked', revoked_at: toMillis(at), revoked_reason: reason })
      .where('status', '=', 'active')
      .where((eb) => sessionCovered(eb, selector))
      .executeTakeFirst();
    return updatedRows(result);
  }

  async countActive(selector: SessionSelector): Promise<number> {
    const row = await this.#context.db
      .selectFrom('sessions')
      .select((eb) => eb.fn.countAll().as('count'))
      .where('status', '=', 'active')
      .where((eb) => sessionCovered(eb, selector))
      .executeTakeFirstOrThrow();
    return Number(row.count);
  }

  /** The end time is kept as the session's last sighting. */
  async end(id: SessionId, at: Date): Promise<boolean> {
    const result = await this.#context.db
      .updateTable('sessions')
      .set({ status: 'ended', last_seen_at: toMillis(at) })
      .where('id', '=', id)
      .where('status', '=', 'active')
      .executeTakeFirst();
    return updatedRows(result) === 1;
  }
}
