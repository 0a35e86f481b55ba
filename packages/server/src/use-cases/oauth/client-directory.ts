import type { ClientId } from '../../domain/ids.js';
import type { ClientRecord } from '../../domain/records.js';
import type { Store } from '../../ports/storage/store.js';

/** Far more clients than a deployment registers; past it the oldest entries are forgotten. */
const MAX_REMEMBERED = 10_000;

/**
 * Registered clients, kept in memory once read. A client record never changes after it is
 * registered (there is no update or delete; revoking a client revokes its sessions, not the
 * record), so a remembered one is never stale, and every token and refresh request saves a read.
 * Only found clients are remembered: an unknown id is asked of the store each time, so a client
 * registered on another replica is usable at once, and garbage ids cannot fill the memory.
 */
export class ClientDirectory {
  readonly #known = new Map<ClientId, ClientRecord>();
  readonly #store: Store;

  /** Reads through the store itself, never a transaction (whose reads may be rolled back). */
  constructor(store: Store) {
    this.#store = store;
  }

  /** A client read before, without I/O (usable inside a transaction). */
  remembered(id: ClientId): ClientRecord | undefined {
    return this.#known.get(id);
  }

  /** The client, from memory or else from the store. Not inside a transaction (SQLite has one connection). */
  async find(id: ClientId): Promise<ClientRecord | undefined> {
    const known = this.#known.get(id);
    if (known !== undefined) return known;
    const found = await this.#store.read((r) => r.clients.findById(id));
    if (found !== undefined) this.remember(found);
    return found;
  }

  /** Remembers a client read from committed data. */
  remember(client: ClientRecord): void {
    if (this.#known.size >= MAX_REMEMBERED && !this.#known.has(client.id)) {
      const oldest = this.#known.keys().next();
      if (oldest.done !== true) this.#known.delete(oldest.value);
    }
    this.#known.set(client.id, client);
  }
}
