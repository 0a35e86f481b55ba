import { CutoffError } from '../../domain/errors.js';
import type { ClientId } from '../../domain/ids.js';
import type { ClientRecord } from '../../domain/records.js';
import type { ClientRepository } from '../../ports/storage/clients.js';
import { clientToRow, rowToClient } from './row-mapping.js';
import { insertedRows } from './store-context.js';
import type { StoreContext } from './store-context.js';

export class KyselyClientRepository implements ClientRepository {
  readonly #context: StoreContext;

  constructor(context: StoreContext) {
    this.#context = context;
  }

  async insert(client: ClientRecord): Promise<void> {
    // ON CONFLICT DO NOTHING keeps a surrounding PostgreSQL transaction usable after a conflict.
    const result = await this.#context.db
      .insertInto('clients')
      .values(clientToRow(client))
      .onConflict((oc) => oc.doNothing())
      .executeTakeFirst();
    if (insertedRows(result) === 0) {
      throw new CutoffError('ERR_CONFLICT', {
        message: 'A client with this id already exists.',
        detail: `duplicate client id ${client.id}`,
      });
    }
  }

  async findById(id: ClientId): Promise<ClientRecord | undefined> {
    const row = await this.#context.db
      .selectFrom('clients')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row === undefined ? undefined : rowToClient(row);
  }

  /** Oldest first. */
  async list(): Promise<readonly ClientRecord[]> {
    const rows = await this.#context.db
      .selectFrom('clients')
      .selectAll()
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map(rowToClient);
  }
}
