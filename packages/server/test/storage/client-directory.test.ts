import { afterAll, describe, expect, it } from 'vitest';
import type { ClientId } from '../../src/domain/ids.js';
import type { ClientRepository } from '../../src/ports/store.js';
import { ClientDirectory } from '../../src/use-cases/oauth/client-directory.js';
import { testStores } from '../support/stores.js';
import { makeClient } from './fixtures.js';

const stores = testStores('sqlite');
afterAll(() => stores.dispose());

/** The real SQLite repository, with its reads counted. */
const countingClients = async (): Promise<{ clients: ClientRepository; reads: () => number }> => {
  const store = await stores.create();
  let reads = 0;
  const clients: ClientRepository = {
    insert: (client) => store.clients.insert(client),
    list: () => store.clients.list(),
    findById: (id) => {
      reads++;
      return store.clients.findById(id);
    },
  };
  return { clients, reads: () => reads };
};

describe('ClientDirectory', () => {
  it('reads a registered client once, then answers from memory', async () => {
    const { clients, reads } = await countingClients();
    const client = makeClient('cli_web', { type: 'confidential', secretHash: 'a'.repeat(64) });
    await clients.insert(client);
    const directory = new ClientDirectory(clients);
    expect(directory.remembered(client.id)).toBeUndefined();
    expect(await directory.find(client.id)).toEqual(client);
    expect(await directory.find(client.id)).toEqual(client);
    expect(directory.remembered(client.id)).toEqual(client);
    expect(reads()).toBe(1);
  });

  it('asks the store every time for an unknown id, so a client registered later is found at once', async () => {
    const { clients, reads } = await countingClients();
    const directory = new ClientDirectory(clients);
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
