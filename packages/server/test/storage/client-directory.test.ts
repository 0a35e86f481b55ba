import { afterAll, describe, expect, it } from 'vitest';
import type { ClientId } from '../../src/domain/ids.js';
import type { ClientRecord } from '../../src/domain/records.js';
import type { ClientRepository } from '../../src/ports/storage/clients.js';
import type { Store } from '../../src/ports/storage/store.js';
import { ClientDirectory } from '../../src/use-cases/oauth/client-directory.js';
import { testStores } from '../support/stores.js';
import { makeClient } from './fixtures.js';

const stores = testStores('sqlite');
afterAll(() => stores.dispose());

/** The real SQLite store, with its reads counted. */
const countingClients = async (): Promise<{
  clients: Pick<ClientRepository, 'insert'>;
  store: Store;
  reads: () => number;
}> => {
  const store = await stores.create();
  let reads = 0;
  const counted: Store = {
    dialect: store.dialect,
    transaction: (work) => store.transaction(work),
    read: (work) => {
      reads++;
      return store.read(work);
    },
    onTransactionRetry: (listener) => store.onTransactionRetry(listener),
    onCommitted: (listener) => store.onCommitted(listener),
    migrate: () => store.migrate(),
    ping: () => store.ping(),
    close: () => store.close(),
  };
  const clients = { insert: (client: ClientRecord) => store.transaction((tx) => tx.clients.insert(client)) };
  return { clients, store: counted, reads: () => reads };
};

describe('ClientDirectory', () => {
  it('reads a registered client once, then answers from memory', async () => {
    const { clients, store, reads } = await countingClients();
    const client = makeClient('cli_web', { type: 'confidential', secretHash: 'a'.repeat(64) });
    await clients.insert(client);
    const directory = new ClientDirectory(store);
    expect(directory.remembered(client.id)).toBeUndefined();
    expect(await directory.find(client.id)).toEqual(client);
    expect(await directory.find(client.id)).toEqual(client);
    expect(directory.remembered(client.id)).toEqual(client);
    expect(reads()).toBe(1);
  });

  it('asks the store every time for an unknown id, so a client registered later is found at once', async () => {
    const { clients, store, reads } = await countingClients();
    const directory = new ClientDirectory(store);
    const id = 'cli_late' as ClientId;
    expect(await directory.find(id)).toBeUndefined();
    expect(await directory.find(id)).toBeUndefined();
    expect(reads()).toBe(2);
    // Registered (say, on another replica) after the misses: found on the next call.
    await clients.insert(makeClient('cli_late'));
    expect((await directory.find(id))?.id).toBe('cli_late');
    expect(directory.remembered(id)?.id).toBe('cli_late');
  });
});
