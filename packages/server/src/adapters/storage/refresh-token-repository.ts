import type { RefreshTokenId } from '../../domain/ids.js';
import type { RefreshTokenRecord } from '../../domain/records.js';
import type { RefreshTokenRepository, SessionSelector } from '../../ports/store.js';
import { refreshTokenToRow, rowToRefreshToken, toMillis } from './row-mapping.js';
import { refreshTokenCovered } from './selectors.js';
import { updatedRows, inTransaction } from './store-context.js';
import type { StoreContext } from './store-context.js';

export class KyselyRefreshTokenRepository implements RefreshTokenRepository {
  readonly #context: StoreContext;

  constructor(context: StoreContext) {
    this.#context = context;
  }

  async insert(token: RefreshTokenRecord): Promise<void> {
    await this.#context.db.insertInto('refresh_tokens').values(refreshTokenToRow(token)).execute();
  }

  async findByHash(tokenHash: string): Promise<RefreshTokenRecord | undefined> {
    const row = await this.#context.db
      .selectFrom('refresh_tokens')
      .selectAll()
      .where('token_hash', '=', tokenHash)
      .executeTakeFirst();
    return row === undefined ? undefined : rowToRefreshToken(row);
  }

  async markRotated(id: RefreshTokenId, at: Date): Promise<boolean> {
    const result = await this.#context.db
      .updateTable('refresh_tokens')
      .set({ status: 'rotated', rotated_at: toMillis(at) })
      .where('id', '=', id)
      .where('status', '=', 'active')
      .executeTakeFirst();
    return updatedRows(result) === 1;
  }

  async revokeForSessions(selector: SessionSelector): Promise<number> {
    // Two set-based statements so the active ones can be counted exactly.
    return inTransaction(this.#context, async (trx) => {
      const active = await trx
        .updateTable('refresh_tokens')
        .set({ status: 'revoked' })
        .where('status', '=', 'active')
        .where((eb) => refreshTokenCovered(eb, selector))
        .executeTakeFirst();
      await trx
        .updateTable('refresh_tokens')
        .set({ status: 'revoked' })
        .where('status', '=', 'rotated')
        .where((eb) => refreshTokenCovered(eb, selector))
        .execute();
      return updatedRows(active);
    });
  }

  async countActiveForSessions(selector: SessionSelector): Promise<number> {
    const row = await this.#context.db
      .selectFrom('refresh_tokens')
      .select((eb) => eb.fn.countAll().as('count'))
      .where('status', '=', 'active')
      .where((eb) => refreshTokenCovered(eb, selector))
      .executeTakeFirstOrThrow();
    return Number(row.count);
  }
}
