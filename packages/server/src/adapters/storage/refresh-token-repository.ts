import type { Kysely } from 'kysely';
import type { RefreshTokenRecord, RefreshTokenStatus } from '../../domain/records.js';
import type { SessionSelector } from '../../domain/session-selector.js';
import type { RefreshTokenRepository } from '../../ports/storage/refresh-tokens.js';
import { refreshTokenToRow, rowToRefreshToken, toMillis } from './row-mapping.js';
import type { Database, StoreDialect } from './schema.js';
import { refreshTokenCovered } from './selectors.js';
import { preparedQuery } from './prepared-query.js';
import { inTransaction } from './store-context.js';
import type { StoreContext } from './store-context.js';

/** The statuses a revocation changes. */
const REVOCABLE: readonly RefreshTokenStatus[] = ['active', 'rotated'];

const countActive = async (
  db: Kysely<Database>,
  selector: SessionSelector,
  dialect: StoreDialect,
): Promise<number> => {
  const row = await db
    .selectFrom('refresh_tokens')
    .select((eb) => eb.fn.countAll().as('count'))
    .where('refresh_tokens.status', '=', 'active')
    .where((eb) => refreshTokenCovered(eb, selector, dialect))
    .executeTakeFirstOrThrow();
  return Number(row.count);
};

type RefreshTokenRow = ReturnType<typeof refreshTokenToRow>;

const insertToken = preparedQuery((db, row: RefreshTokenRow) => db.insertInto('refresh_tokens').values(row));

const selectByHash = preparedQuery((db, v: { readonly hash: string }) =>
  db.selectFrom('refresh_tokens').selectAll().where('token_hash', '=', v.hash),
);

/** The compare-and-set that is also the lookup: only an active, unexpired token rotates. */
const rotateByHash = preparedQuery((db, v: { readonly hash: string; readonly at: number }) =>
  db
    .updateTable('refresh_tokens')
    .set({ status: 'rotated', rotated_at: v.at })
    .where('token_hash', '=', v.hash)
    .where('status', '=', 'active')
    .where('expires_at', '>', v.at)
    .returningAll(),
);

export class KyselyRefreshTokenRepository implements RefreshTokenRepository {
  readonly #context: StoreContext;

  constructor(context: StoreContext) {
    this.#context = context;
  }

  async insert(token: RefreshTokenRecord): Promise<void> {
    await insertToken.all(this.#context, refreshTokenToRow(token));
  }

  async findByHash(tokenHash: string): Promise<RefreshTokenRecord | undefined> {
    const row = await selectByHash.first(this.#context, { hash: tokenHash });
    return row === undefined ? undefined : rowToRefreshToken(row);
  }

  async rotate(tokenHash: string, at: Date): Promise<RefreshTokenRecord | undefined> {
    const row = await rotateByHash.first(this.#context, { hash: tokenHash, at: toMillis(at) });
    return row === undefined ? undefined : rowToRefreshToken(row);
  }

  /**
   * One UPDATE for both active and rotated tokens. On PostgreSQL the rows are locked and read in
   * the same statement (`FOR UPDATE` returns each row as it is once locked, so a rotation that
   * commits concurrently is seen), and the UPDATE returns the status they had. On SQLite the
   * transaction holds the write lock from its start, so counting first is exact.
   */
  async revokeForSessions(selector: SessionSelector): Promise<number> {
    const { db, dialect } = this.#context;
    if (dialect === 'postgres') {
      const row = await db
        .with('changed', (cte) =>
          cte
            .updateTable('refresh_tokens as rt')
            .set({ status: 'revoked' })
            .from(
              cte
                .selectFrom('refresh_tokens')
                .select(['refresh_tokens.id', 'refresh_tokens.status'])
                .where('refresh_tokens.status', 'in', REVOCABLE)
                .where((eb) => refreshTokenCovered(eb, selector, dialect))
                // Locked in id order, so two revocations covering the same tokens queue, not deadlock.
                .orderBy('refresh_tokens.id')
                .forUpdate()
                .as('old'),
            )
            .whereRef('rt.id', '=', 'old.id')
            .returning('old.status as old_status'),
        )
        .selectFrom('changed')
        .select((eb) => eb.fn.countAll().as('count'))
        .where('changed.old_status', '=', 'active')
        .executeTakeFirstOrThrow();
      return Number(row.count);
    }
    return inTransaction(this.#context, async (trx) => {
      const active = await countActive(trx, selector, dialect);
      await trx
        .updateTable('refresh_tokens')
        .set({ status: 'revoked' })
        .where('refresh_tokens.status', 'in', REVOCABLE)
        .where((eb) => refreshTokenCovered(eb, selector, dialect))
        .execute();
      return active;
    });
  }

  async countActiveForSessions(selector: SessionSelector): Promise<number> {
    return countActive(this.#context.db, selector, this.#context.dialect);
  }
}
