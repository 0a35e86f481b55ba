import type { Kysely, Updateable } from 'kysely';
import { CutoffError } from '../../domain/errors.js';
import { userIdFromStore, type UserId } from '../../domain/ids.js';
import type { GroupRecord } from '../../domain/records.js';
import type { GroupPatch, GroupRepository } from '../../ports/storage/groups.js';
import type { Page } from '../../ports/storage/page.js';
import { decodeIdCursor, encodeIdCursor } from './cursor.js';
import {
  fromMillisOrNull,
  groupToRow,
  parseStringArray,
  rowToGroup,
  toJsonText,
  toMillis,
  toMillisOrNull,
} from './row-mapping.js';
import { preparedQuery } from './prepared-query.js';
import type { Database, GroupsTable, StoreDialect } from './schema.js';
import { insertedRows, inTransaction } from './store-context.js';
import type { StoreContext } from './store-context.js';

/** Ids per `in (...)` list: well under every dialect's bound-parameter limit. */
const CHUNK = 500;

const patchToRow = (patch: GroupPatch): Updateable<GroupsTable> => {
  const row: Updateable<GroupsTable> = { updated_at: toMillis(patch.updatedAt) };
  if (patch.name !== undefined) row.name = patch.name;
  if (patch.displayName !== undefined) row.display_name = patch.displayName;
  if (patch.externalId !== undefined) row.external_id = patch.externalId;
  if (patch.endAt !== undefined) row.end_at = toMillisOrNull(patch.endAt);
  if (patch.endedAt !== undefined) row.ended_at = toMillisOrNull(patch.endedAt);
  if (patch.deactivateMembers !== undefined) row.deactivate_members = patch.deactivateMembers;
  return row;
};

const nameTaken = (name: string, holder: string): CutoffError =>
  new CutoffError('ERR_CONFLICT', {
    message: 'A group with this name already exists.',
    detail: `duplicate group name ${JSON.stringify(name)} (group ${holder})`,
  });

/** The group's id and name, its row locked for the rest of the transaction on PostgreSQL. */
const lockGroup = (trx: Kysely<Database>, dialect: StoreDialect, id: string) =>
  trx
    .selectFrom('groups')
    .select(['id', 'name'])
    .where('id', '=', id)
    .$if(dialect === 'postgres', (qb) => qb.forUpdate())
    .executeTakeFirst();

/**
 * The users whose `user_groups` rows (the index of their JSON `groups`) include `name`, with
 * their JSON groups; on PostgreSQL the rows stay locked (in id order) until the transaction
 * ends, so concurrent membership changes cannot lose each other's writes. SQLite transactions
 * already hold the write lock.
 */
const lockMembers = (
  trx: Kysely<Database>,
  dialect: StoreDialect,
  name: string,
): Promise<readonly { readonly id: string; readonly groups: string }[]> =>
  trx
    .selectFrom('users')
    .select(['users.id', 'users.groups'])
    .where(
      'users.id',
      'in',
      trx.selectFrom('user_groups').select('user_groups.user_id').where('user_groups.group_name', '=', name),
    )
    .orderBy('users.id')
    .$if(dialect === 'postgres', (qb) => qb.forUpdate())
    .execute();

/** Writes new JSON groups, one statement per distinct value (members mostly share theirs). */
const writeGroups = async (
  trx: Kysely<Database>,
  members: readonly { readonly id: string; readonly groups: string }[],
  rewrite: (groups: readonly string[]) => readonly string[],
): Promise<void> => {
  const byValue = new Map<string, string[]>();
  for (const member of members) {
    const value = toJsonText(rewrite(parseStringArray(member.groups, 'user groups')));
    if (value === member.groups) continue;
    const ids = byValue.get(value) ?? [];
    ids.push(member.id);
    byValue.set(value, ids);
  }
  for (const [value, ids] of byValue) {
    for (let start = 0; start < ids.length; start += CHUNK) {
      await trx
        .updateTable('users')
        .set({ groups: value })
        .where('id', 'in', ids.slice(start, start + CHUNK))
        .execute();
    }
  }
};

/** `from` becomes `to`, keeping the first occurrence of `to` only (a member may hold both). */
const renamed =
  (from: string, to: string) =>
  (groups: readonly string[]): readonly string[] => {
    const result: string[] = [];
    let kept = false;
    for (const group of groups) {
      const next = group === from ? to : group;
      if (next === to) {
        if (kept) continue;
        kept = true;
      }
      result.push(next);
    }
    return result;
  };

const without =
  (name: string) =>
  (groups: readonly string[]): readonly string[] =>
    groups.filter((group) => group !== name);

type GroupKey = 'id' | 'name' | 'external_id';

const groupLookup = (column: GroupKey) =>
  preparedQuery((db, v: { readonly value: string }) =>
    db.selectFrom('groups').selectAll().where(column, '=', v.value).orderBy('id').limit(1),
  );

/** Group lookups run on every refresh (one per group of the user), so they are prepared. */
const findGroupBy = {
  id: groupLookup('id'),
  name: groupLookup('name'),
  external_id: groupLookup('external_id'),
} as const;

export class KyselyGroupRepository implements GroupRepository {
  readonly #context: StoreContext;

  constructor(context: StoreContext) {
    this.#context = context;
  }

  async insert(group: GroupRecord): Promise<void> {
    // ON CONFLICT DO NOTHING keeps a surrounding PostgreSQL transaction usable after a conflict.
    const result = await this.#context.db
      .insertInto('groups')
      .values(groupToRow(group))
      .onConflict((oc) => oc.doNothing())
      .executeTakeFirst();
    if (insertedRows(result) === 0) {
      const taken = await this.#context.db
        .selectFrom('groups')
        .select('id')
        .where('name', '=', group.name)
        .executeTakeFirst();
      if (taken !== undefined) throw nameTaken(group.name, taken.id);
      throw new CutoffError('ERR_CONFLICT', {
        message: 'A group with this id already exists.',
        detail: `duplicate group id ${group.id}`,
      });
    }
  }

  /** The group with `column = value`; for external ids, which need not be unique, the lowest id. */
  async #findOne(column: GroupKey, value: string): Promise<GroupRecord | undefined> {
    const row = await findGroupBy[column].first(this.#context, { value });
    return row === undefined ? undefined : rowToGroup(row);
  }

  findById(id: string): Promise<GroupRecord | undefined> {
    return this.#findOne('id', id);
  }

  findByName(name: string): Promise<GroupRecord | undefined> {
    return this.#findOne('name', name);
  }

  findByExternalId(externalId: string): Promise<GroupRecord | undefined> {
    return this.#findOne('external_id', externalId);
  }

  async list(query: { readonly limit: number; readonly cursor?: string }): Promise<Page<GroupRecord>> {
    const limit = Math.max(0, Math.floor(query.limit));
    let select = this.#context.db.selectFrom('groups').selectAll();
    if (query.cursor !== undefined) select = select.where('id', '>', decodeIdCursor(query.cursor, 'groups'));
    // One extra row tells whether there is a next page.
    const rows = await select
      .orderBy('id')
      .limit(limit + 1)
      .execute();
    const items = rows.slice(0, limit).map(rowToGroup);
    const last = items.at(-1);
    return { items, nextCursor: rows.length > limit && last !== undefined ? encodeIdCursor(last.id) : null };
  }

  async update(id: string, patch: GroupPatch): Promise<GroupRecord | undefined> {
    const { dialect } = this.#context;
    return inTransaction(this.#context, async (trx) => {
      const current = await lockGroup(trx, dialect, id);
      if (current === undefined) return undefined;
      const rename = patch.name !== undefined && patch.name !== current.name ? patch.name : undefined;
      if (rename !== undefined) {
        // Checked first: a failed statement would abort a surrounding PostgreSQL transaction.
        const taken = await trx
          .selectFrom('groups')
          .select('id')
          .where('name', '=', rename)
          .executeTakeFirst();
        if (taken !== undefined) throw nameTaken(rename, taken.id);
      }
      await trx.updateTable('groups').set(patchToRow(patch)).where('id', '=', id).execute();
      if (rename !== undefined) {
        const members = await lockMembers(trx, dialect, current.name);
        // Members already in the new group keep their one row under that name.
        await trx
          .deleteFrom('user_groups')
          .where('group_name', '=', current.name)
          .where(
            'user_id',
            'in',
            trx
              .selectFrom('user_groups as other')
              .select('other.user_id')
              .where('other.group_name', '=', rename),
          )
          .execute();
        await trx
          .updateTable('user_groups')
          .set({ group_name: rename })
          .where('group_name', '=', current.name)
          .execute();
        await writeGroups(trx, members, renamed(current.name, rename));
      }
      const row = await trx.selectFrom('groups').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
      return rowToGroup(row);
    });
  }

  async delete(id: string): Promise<boolean> {
    const { dialect } = this.#context;
    return inTransaction(this.#context, async (trx) => {
      const current = await lockGroup(trx, dialect, id);
      if (current === undefined) return false;
      const members = await lockMembers(trx, dialect, current.name);
      await trx.deleteFrom('user_groups').where('group_name', '=', current.name).execute();
      await writeGroups(trx, members, without(current.name));
      await trx.deleteFrom('groups').where('id', '=', id).execute();
      return true;
    });
  }

  async memberIds(name: string): Promise<readonly UserId[]> {
    const rows = await this.#context.db
      .selectFrom('user_groups')
      .select('user_id')
      .where('group_name', '=', name)
      .orderBy('user_id')
      .execute();
    return rows.map((row) => userIdFromStore(row.user_id));
  }

  async names(limit: number): Promise<readonly string[]> {
    const { db } = this.#context;
    const rows = await db
      .selectFrom(
        db
          .selectFrom('groups')
          .select('name')
          .union(db.selectFrom('user_groups').select('group_name as name'))
          .as('known'),
      )
      .select('known.name')
      .orderBy('known.name')
      .limit(limit)
      .execute();
    return rows.map((row) => row.name);
  }

  async addMember(name: string, userId: UserId): Promise<boolean> {
    return this.#changeMembership(userId, async (trx, groups) => {
      const result = await trx
        .insertInto('user_groups')
        .values({ user_id: userId, group_name: name })
        .onConflict((oc) => oc.doNothing())
        .executeTakeFirst();
      const next = groups.includes(name) ? groups : [...groups, name];
      return { changed: insertedRows(result) > 0 || next !== groups, groups: next };
    });
  }

  async removeMember(name: string, userId: UserId): Promise<boolean> {
    return this.#changeMembership(userId, async (trx, groups) => {
      const result = await trx
        .deleteFrom('user_groups')
        .where('user_id', '=', userId)
        .where('group_name', '=', name)
        .executeTakeFirst();
      const filtered = without(name)(groups);
      const next = filtered.length === groups.length ? groups : filtered;
      return { changed: Number(result.numDeletedRows) > 0 || next !== groups, groups: next };
    });
  }

  async listDueForEnd(now: Date): Promise<readonly GroupRecord[]> {
    const rows = await this.#context.db
      .selectFrom('groups')
      .selectAll()
      .where('end_at', '<=', toMillis(now))
      .where('ended_at', 'is', null)
      .orderBy('end_at')
      .orderBy('id')
      .execute();
    return rows.map(rowToGroup);
  }

  async earliestEndAt(names: readonly string[]): Promise<Date | null> {
    const unique = [...new Set(names)];
    let earliest: number | null = null;
    for (let start = 0; start < unique.length; start += CHUNK) {
      const row = await this.#context.db
        .selectFrom('groups')
        .select((eb) => eb.fn.min('end_at').as('end_at'))
        .where('name', 'in', unique.slice(start, start + CHUNK))
        .where('ended_at', 'is', null)
        .executeTakeFirst();
      const value = row?.end_at ?? null;
      if (value !== null && (earliest === null || Number(value) < earliest)) earliest = Number(value);
    }
    return fromMillisOrNull(earliest);
  }

  /** Reads the user's JSON groups under a lock, applies `change`, and writes them back if needed. */
  async #changeMembership(
    userId: UserId,
    change: (
      trx: Kysely<Database>,
      groups: readonly string[],
    ) => Promise<{ readonly changed: boolean; readonly groups: readonly string[] }>,
  ): Promise<boolean> {
    const { dialect } = this.#context;
    return inTransaction(this.#context, async (trx) => {
      const user = await trx
        .selectFrom('users')
        .select('groups')
        .where('id', '=', userId)
        .$if(dialect === 'postgres', (qb) => qb.forUpdate())
        .executeTakeFirst();
      if (user === undefined) return false;
      const groups = parseStringArray(user.groups, 'user groups');
      const result = await change(trx, groups);
      if (result.groups !== groups) {
        await trx
          .updateTable('users')
          .set({ groups: toJsonText(result.groups) })
          .where('id', '=', userId)
          .execute();
      }
      return result.changed;
    });
  }
}
