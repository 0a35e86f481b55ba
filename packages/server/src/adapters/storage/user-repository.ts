import { sql } from 'kysely';
import type { Kysely, Updateable } from 'kysely';
import { CutoffError } from '../../domain/errors.js';
import type { UserId } from '../../domain/ids.js';
import type { UserRecord } from '../../domain/records.js';
import { asciiLowerCase, normalizeUsername } from '../../domain/username.js';
import type { Page } from '../../ports/storage/page.js';
import type { UserPatch, UserRepository } from '../../ports/storage/users.js';
import { decodeIdCursor, encodeIdCursor } from './cursor.js';
import { rowToUser, toFlag, toJsonText, toMillis, userToRow } from './row-mapping.js';
import type { Database, UsersTable } from './schema.js';
import { refreshTokenCovered } from './selectors.js';
import { insertedRows, inTransaction, updatedRows } from './store-context.js';
import type { StoreContext } from './store-context.js';

/** Rewrites the indexed role and group rows of a user from its record. */
const replaceMemberships = async (
  trx: Kysely<Database>,
  userId: string,
  memberships: { readonly roles?: readonly string[]; readonly groups?: readonly string[] },
): Promise<void> => {
  if (memberships.roles !== undefined) {
    await trx.deleteFrom('user_roles').where('user_id', '=', userId).execute();
    const roles = [...new Set(memberships.roles)];
    if (roles.length > 0) {
      await trx
        .insertInto('user_roles')
        .values(roles.map((role) => ({ user_id: userId, role })))
        .execute();
    }
  }
  if (memberships.groups !== undefined) {
    await trx.deleteFrom('user_groups').where('user_id', '=', userId).execute();
    const groups = [...new Set(memberships.groups)];
    if (groups.length > 0) {
      await trx
        .insertInto('user_groups')
        .values(groups.map((group) => ({ user_id: userId, group_name: group })))
        .execute();
    }
  }
};

const patchToRow = (patch: UserPatch): Updateable<UsersTable> => {
  const row: Updateable<UsersTable> = { updated_at: toMillis(patch.updatedAt) };
  if (patch.username !== undefined) {
    row.username = patch.username;
    row.username_normalized = normalizeUsername(patch.username);
  }
  if (patch.email !== undefined) row.email = patch.email;
  if (patch.passwordHash !== undefined) row.password_hash = patch.passwordHash;
  if (patch.roles !== undefined) row.roles = toJsonText(patch.roles);
  if (patch.groups !== undefined) row.groups = toJsonText(patch.groups);
  if (patch.active !== undefined) row.active = toFlag(patch.active);
  if (patch.totpSecret !== undefined) {
    row.totp_secret = patch.totpSecret;
    // Steps count from the new secret's first use.
    row.totp_last_step = null;
  }
  if (patch.totpPendingSecret !== undefined) row.totp_pending_secret = patch.totpPendingSecret;
  if (patch.mfaRequired !== undefined) row.mfa_required = toFlag(patch.mfaRequired);
  if (patch.externalId !== undefined) row.external_id = patch.externalId;
  if (patch.displayName !== undefined) row.display_name = patch.displayName;
  if (patch.givenName !== undefined) row.given_name = patch.givenName;
  if (patch.familyName !== undefined) row.family_name = patch.familyName;
  return row;
};

export class KyselyUserRepository implements UserRepository {
  readonly #context: StoreContext;

  constructor(context: StoreContext) {
    this.#context = context;
  }

  async insert(user: UserRecord): Promise<void> {
    await inTransaction(this.#context, async (trx) => {
      // ON CONFLICT DO NOTHING rather than catching the error: a failed statement would abort
      // the surrounding PostgreSQL transaction.
      const result = await trx
        .insertInto('users')
        .values(userToRow(user))
        .onConflict((oc) => oc.doNothing())
        .executeTakeFirst();
      if (insertedRows(result) === 0) {
        const taken = await trx
          .selectFrom('users')
          .select('id')
          .where('username_normalized', '=', normalizeUsername(user.username))
          .executeTakeFirst();
        throw new CutoffError('ERR_CONFLICT', {
          message: taken === undefined ? 'A user with this id already exists.' : 'The username is taken.',
          detail:
            taken === undefined ? `duplicate user id ${user.id}` : `duplicate username (user ${taken.id})`,
        });
      }
      await replaceMemberships(trx, user.id, user);
    });
  }

  async findById(id: UserId): Promise<UserRecord | undefined> {
    const row = await this.#context.db
      .selectFrom('users')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row === undefined ? undefined : rowToUser(row);
  }

  async findByUsername(username: string): Promise<UserRecord | undefined> {
    const row = await this.#context.db
      .selectFrom('users')
      .selectAll()
      .where('username_normalized', '=', normalizeUsername(username))
      .executeTakeFirst();
    return row === undefined ? undefined : rowToUser(row);
  }

  async list(query: {
    readonly username?: string;
    readonly limit: number;
    readonly cursor?: string;
  }): Promise<Page<UserRecord>> {
    const limit = Math.max(0, Math.floor(query.limit));
    let select = this.#context.db.selectFrom('users').selectAll();
    if (query.username !== undefined)
      select = select.where('username_normalized', '=', normalizeUsername(query.username));
    if (query.cursor !== undefined) select = select.where('id', '>', decodeIdCursor(query.cursor, 'users'));
    // One extra row tells whether there is a next page.
    const rows = await select
      .orderBy('id')
      .limit(limit + 1)
      .execute();
    const items = rows.slice(0, limit).map(rowToUser);
    const last = items.at(-1);
    return { items, nextCursor: rows.length > limit && last !== undefined ? encodeIdCursor(last.id) : null };
  }

  async update(id: UserId, patch: UserPatch): Promise<UserRecord | undefined> {
    return inTransaction(this.#context, async (trx) => {
      // Checked first rather than caught: a failed statement would abort a PostgreSQL transaction.
      if (patch.username !== undefined) {
        const taken = await trx
          .selectFrom('users')
          .select('id')
          .where('username_normalized', '=', normalizeUsername(patch.username))
          .where('id', '<>', id)
          .executeTakeFirst();
        if (taken !== undefined) {
          throw new CutoffError('ERR_CONFLICT', {
            message: 'The username is taken.',
            detail: `rename onto the username of user ${taken.id}`,
          });
        }
      }
      const result = await trx
        .updateTable('users')
        .set(patchToRow(patch))
        .where('id', '=', id)
        .executeTakeFirst();
      if (updatedRows(result) === 0) return undefined;
      await replaceMemberships(trx, id, patch);
      const row = await trx.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
      return rowToUser(row);
    });
  }

  async claimTotpStep(id: UserId, step: number): Promise<boolean> {
    const result = await this.#context.db
      .updateTable('users')
      .set({ totp_last_step: step })
      .where('id', '=', id)
      .where((eb) => eb.or([eb('totp_last_step', 'is', null), eb('totp_last_step', '<', step)]))
      .executeTakeFirst();
    return updatedRows(result) === 1;
  }

  async replaceTotpSecret(id: UserId, expected: string, totpSecret: string): Promise<boolean> {
    const result = await this.#context.db
      .updateTable('users')
      .set({ totp_secret: totpSecret })
      .where('id', '=', id)
      .where('totp_secret', '=', expected)
      .executeTakeFirst();
    return updatedRows(result) === 1;
  }

  async replaceTotpPendingSecret(id: UserId, expected: string, totpPendingSecret: string): Promise<boolean> {
    const result = await this.#context.db
      .updateTable('users')
      .set({ totp_pending_secret: totpPendingSecret })
      .where('id', '=', id)
      .where('totp_pending_secret', '=', expected)
      .executeTakeFirst();
    return updatedRows(result) === 1;
  }

  async confirmTotp(id: UserId, expectedPending: string, step: number, updatedAt: Date): Promise<boolean> {
    const result = await this.#context.db
      .updateTable('users')
      .set({
        totp_secret: expectedPending,
        totp_pending_secret: null,
        // The confirming code is used: it cannot also log in (RFC 6238 section 5.2).
        totp_last_step: step,
        updated_at: toMillis(updatedAt),
      })
      .where('id', '=', id)
      .where('totp_pending_secret', '=', expectedPending)
      .executeTakeFirst();
    return updatedRows(result) === 1;
  }

  async findByEmail(email: string): Promise<readonly UserRecord[]> {
    const wanted = asciiLowerCase(email);
    const rows = await this.#context.db
      .selectFrom('users')
      .selectAll()
      .where(sql<string>`lower(email)`, '=', sql<string>`lower(${wanted})`)
      .orderBy('id')
      .execute();
    // SQLite's lower() folds ASCII only, PostgreSQL's follows the locale (more): the index finds a
    // superset on either, and the exact rule is applied here, so both answer the same.
    return rows.filter((row) => row.email !== null && asciiLowerCase(row.email) === wanted).map(rowToUser);
  }

  async findByExternalId(externalId: string): Promise<UserRecord | undefined> {
    const row = await this.#context.db
      .selectFrom('users')
      .selectAll()
      .where('external_id', '=', externalId)
      .orderBy('id')
      .limit(1)
      .executeTakeFirst();
    return row === undefined ? undefined : rowToUser(row);
  }

  async countAll(): Promise<number> {
    const row = await this.#context.db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll().as('count'))
      .executeTakeFirstOrThrow();
    return Number(row.count);
  }

  async countWithRole(role: string): Promise<number> {
    const row = await this.#context.db
      .selectFrom('user_roles')
      .select((eb) => eb.fn.countAll().as('count'))
      .where('role', '=', role)
      .executeTakeFirstOrThrow();
    return Number(row.count);
  }

  async roleNames(limit: number): Promise<readonly string[]> {
    const rows = await this.#context.db
      .selectFrom('user_roles')
      .select('role')
      .distinct()
      .orderBy('role')
      .limit(limit)
      .execute();
    return rows.map((row) => row.role);
  }

  /**
   * Sessions reference their user, so the user's sessions and their refresh tokens go first, in
   * the same transaction; revocations and audit events only carry ids and stay as evidence.
   */
  async delete(id: UserId): Promise<boolean> {
    return inTransaction(this.#context, async (trx) => {
      await trx
        .deleteFrom('refresh_tokens')
        .where((eb) => refreshTokenCovered(eb, { kind: 'user', key: id }, this.#context.dialect))
        .execute();
      await trx.deleteFrom('sessions').where('user_id', '=', id).execute();
      await trx.deleteFrom('user_roles').where('user_id', '=', id).execute();
      await trx.deleteFrom('user_groups').where('user_id', '=', id).execute();
      const result = await trx.deleteFrom('users').where('id', '=', id).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    });
  }
}
