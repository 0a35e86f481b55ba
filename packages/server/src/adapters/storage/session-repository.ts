import type { SessionId, UserId } from '../../domain/ids.js';
import type { SessionRecord, UserRecord } from '../../domain/records.js';
import type { SessionSelector } from '../../domain/session-selector.js';
import type { SessionRepository } from '../../ports/storage/sessions.js';
import { rowToSession, rowToUser, sessionToRow, toMillis } from './row-mapping.js';
import { preparedQuery } from './prepared-query.js';
import { sessionCovered } from './selectors.js';
import { updatedRows } from './store-context.js';
import type { StoreContext } from './store-context.js';

/* The queries of the refresh path (and of refresh-token introspection) are prepared. */

const selectById = preparedQuery((db, v: { readonly id: string }) =>
  db.selectFrom('sessions').selectAll().where('id', '=', v.id),
);

const selectWithUser = preparedQuery((db, v: { readonly id: string }) =>
  db
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .selectAll('sessions')
    .select([
      'users.username as user_username',
      'users.email as user_email',
      'users.password_hash as user_password_hash',
      'users.roles as user_roles',
      'users.groups as user_groups',
      'users.active as user_active',
      'users.totp_secret as user_totp_secret',
      'users.totp_pending_secret as user_totp_pending_secret',
      'users.mfa_required as user_mfa_required',
      'users.created_at as user_created_at',
      'users.updated_at as user_updated_at',
      'users.external_id as user_external_id',
      'users.display_name as user_display_name',
      'users.given_name as user_given_name',
      'users.family_name as user_family_name',
    ])
    .where('sessions.id', '=', v.id),
);

const touchActive = preparedQuery(
  (db, v: { readonly id: string; readonly lastSeenAt: number; readonly idleExpiresAt: number }) =>
    db
      .updateTable('sessions')
      .set({ last_seen_at: v.lastSeenAt, idle_expires_at: v.idleExpiresAt })
      .where('id', '=', v.id)
      .where('status', '=', 'active'),
);

export class KyselySessionRepository implements SessionRepository {
  readonly #context: StoreContext;

  constructor(context: StoreContext) {
    this.#context = context;
  }

  async insert(session: SessionRecord): Promise<void> {
    await this.#context.db.insertInto('sessions').values(sessionToRow(session)).execute();
  }

  async findById(id: SessionId): Promise<SessionRecord | undefined> {
    const row = await selectById.first(this.#context, { id });
    return row === undefined ? undefined : rowToSession(row);
  }

  async findWithUser(
    id: SessionId,
  ): Promise<{ readonly session: SessionRecord; readonly user: UserRecord } | undefined> {
    const row = await selectWithUser.first(this.#context, { id });
    if (row === undefined) return undefined;
    const user = rowToUser({
      id: row.user_id,
      username: row.user_username,
      email: row.user_email,
      password_hash: row.user_password_hash,
      roles: row.user_roles,
      groups: row.user_groups,
      active: row.user_active,
      totp_secret: row.user_totp_secret,
      totp_pending_secret: row.user_totp_pending_secret,
      mfa_required: row.user_mfa_required,
      created_at: row.user_created_at,
      updated_at: row.user_updated_at,
      external_id: row.user_external_id,
      display_name: row.user_display_name,
      given_name: row.user_given_name,
      family_name: row.user_family_name,
    });
    return { session: rowToSession(row), user };
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
    await touchActive.all(this.#context, {
      id,
      lastSeenAt: toMillis(lastSeenAt),
      idleExpiresAt: toMillis(idleExpiresAt),
    });
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

  async countActiveUsers(selector: SessionSelector): Promise<number> {
    const row = await this.#context.db
      .selectFrom('sessions')
      .select((eb) => eb.fn.count('sessions.user_id').distinct().as('count'))
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
