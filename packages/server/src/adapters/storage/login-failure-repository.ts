import type { LoginFailureCount, LoginFailureRepository } from '../../ports/storage/login-failures.js';
import { fromMillis, toMillis } from './row-mapping.js';
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

  async counts(keys: readonly string[], since: Date): Promise<readonly LoginFailureCount[]> {
    if (keys.length === 0) return [];
    const rows = await this.#context.db
      .selectFrom('login_failures')
      .select(['key', 'window_start', 'failures'])
      .where('key', 'in', keys)
      .where('window_start', '>=', toMillis(since))
      .orderBy('window_start')
      .orderBy('key')
      .execute();
    return rows.map((row) => ({
      key: row.key,
      windowStart: fromMillis(row.window_start),
      failures: Number(row.failures),
    }));
  }

  async clear(key: string, since: Date): Promise<void> {
    await this.#context.db
      .deleteFrom('login_failures')
      .where('key', '=', key)
      .where('window_start', '>=', toMillis(since))
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
