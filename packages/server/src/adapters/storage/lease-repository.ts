import type { LeaseRepository } from '../../ports/storage/leases.js';
import { toMillis } from './row-mapping.js';
import type { StoreContext } from './store-context.js';

export class KyselyLeaseRepository implements LeaseRepository {
  readonly #context: StoreContext;

  constructor(context: StoreContext) {
    this.#context = context;
  }

  /**
   * One upsert whose update applies only to a free lease: PostgreSQL makes a concurrent claimer
   * wait on the row and re-check the condition, SQLite serializes writers, so one wins.
   */
  async tryAcquire(name: string, holder: string, now: Date, until: Date): Promise<boolean> {
    const result = await this.#context.db
      .insertInto('leases')
      .values({ name, holder, expires_at: toMillis(until) })
      .onConflict((oc) =>
        oc
          .column('name')
          .doUpdateSet({ holder, expires_at: toMillis(until) })
          .where((eb) =>
            eb.or([eb('leases.expires_at', '<=', toMillis(now)), eb('leases.holder', '=', holder)]),
          ),
      )
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0n) === 1;
  }

  async release(name: string, holder: string): Promise<boolean> {
    const result = await this.#context.db
      .deleteFrom('leases')
      .where('name', '=', name)
      .where('holder', '=', holder)
      .executeTakeFirst();
    return Number(result.numDeletedRows) === 1;
  }
}
