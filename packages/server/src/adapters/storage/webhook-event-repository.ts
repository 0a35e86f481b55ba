import type { WebhookEventRepository } from '../../ports/storage/webhook-events.js';
import { toMillis } from './row-mapping.js';
import { insertedRows } from './store-context.js';
import type { StoreContext } from './store-context.js';

export class KyselyWebhookEventRepository implements WebhookEventRepository {
  readonly #context: StoreContext;

  constructor(context: StoreContext) {
    this.#context = context;
  }

  /**
   * The primary key decides: of concurrent inserts of one (source, event id), PostgreSQL lets one
   * through and makes the others wait for its commit, then skip it; SQLite serializes writers.
   * Inside a transaction that rolls back, the event counts as never seen.
   */
  async recordOnce(source: string, eventId: string, at: Date): Promise<boolean> {
    const result = await this.#context.db
      .insertInto('webhook_events')
      .values({ source, event_id: eventId, received_at: toMillis(at) })
      .onConflict((oc) => oc.doNothing())
      .executeTakeFirst();
    return insertedRows(result) === 1;
  }

  async pruneBefore(at: Date): Promise<number> {
    const result = await this.#context.db
      .deleteFrom('webhook_events')
      .where('received_at', '<', toMillis(at))
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
