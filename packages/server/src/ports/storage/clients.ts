import type { ClientId } from '../../domain/ids.js';
import type { ClientRecord } from '../../domain/records.js';

export interface ClientRepository {
  /** Throws `CutoffError('ERR_CONFLICT')` on a duplicate id. */
  insert(client: ClientRecord): Promise<void>;
  findById(id: ClientId): Promise<ClientRecord | undefined>;
  list(): Promise<readonly ClientRecord[]>;
}
