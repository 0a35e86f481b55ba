import type { LoginFailureRepository } from '../../ports/store.js';
import { toMillis } from './row-mapping.js';
import type { StoreContext } from './store-context.js';

export class KyselyLoginFailureRepository implements LoginFailureRepository {
  readonly #context: StoreContext;

  constructor(context: StoreContext) {
    this.#context = context;
  }

  /** An upsert: concurrent failures on several replicas each count (row lock / single writer). */
  async record(keys: readonly string[], windowStart: Date): Promise<void> {
    if (keys.length === 0) return;
    const window_start = toMillis(windowStart);
    await this.#context.db
      .insertInto('login_failures')
      .values(keys.map((key) => ({ key, window_start, failures: 1 })))
      .onConflict((oc) =>
        oc
          .columns(['key', 'window_start'])
          .doUpdateSet((eb) => ({ failures: eb('login_failures.failures', '+', 1) })),
      )
      .execute();
  }

  async counts(keys: readonly string[], windowStart: Date): Promise<ReadonlyMap<string, number>> {
    if (keys.length === 0) return new Map();
    const rows = await this.#context.db
      .selectFrom('login_failures')
      .select(['key', 'failures'])
      .where('key', 'in', keys)
      .where('window_start', '=', toMillis(windowStart))
      .execute();
    return new Map(rows.map((row) => [row.key, Number(row.failures)]));
  }

  async clear(key: string, windowStart: Date): Promise<void> {
    await this.#context.db
      .deleteFrom('login_failures')
      .where('key', '=', key)
      .where('window_start', '=', toMillis(windowStart))
      .execute();
  }

  async pruneBefore(before: Date): Promise<number> {
    const result = await this.#context.db
      .deleteFrom('login_failures')
      .where('window_start', '<', toMillis(before))
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
