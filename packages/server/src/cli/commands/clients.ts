import { table } from '../output.js';
import type { Deps } from './deps.js';

interface Client {
  readonly client_id: string;
  readonly name: string;
  readonly type: string;
  readonly grant_types: readonly string[];
  readonly roles: readonly string[];
  readonly created_at: string;
  readonly client_secret?: string;
}

export const clientsAdd = async (
  { client, out }: Deps,
  options: {
    readonly name: string;
    readonly type: string;
    readonly id?: string;
    readonly grantType?: string[];
    readonly role?: string[];
  },
): Promise<void> => {
  const created = await client.request<Client>('POST', '/v1/clients', {
    name: options.name,
    type: options.type,
    ...(options.id !== undefined && { id: options.id }),
    ...(options.grantType !== undefined && { grant_types: options.grantType }),
    ...(options.role !== undefined && { roles: options.role }),
  });
  out.result(created, () =>
    created.client_secret === undefined
      ? `created ${created.type} client ${created.client_id}`
      : `created ${created.type} client ${created.client_id}. Its secret, shown once:\n\n  ${created.client_secret}\n`,
  );
};

export const clientsList = async ({ client, out }: Deps): Promise<void> => {
  const { clients } = await client.request<{ clients: Client[] }>('GET', '/v1/clients');
  out.result(clients, () =>
    table([
      ['CLIENT', 'NAME', 'TYPE', 'GRANTS', 'ROLES', 'CREATED'],
      ...clients.map((entry) => [
        entry.client_id,
        entry.name,
        entry.type,
        entry.grant_types.join(',') || '-',
        entry.roles.join(',') || '-',
        entry.created_at,
      ]),
    ]),
  );
};
