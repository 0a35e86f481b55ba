import { table } from '../output.js';
import type { Deps } from './deps.js';

interface ApiKey {
  readonly id: string;
  readonly name: string;
  readonly scopes: readonly string[];
  readonly status: string;
  readonly created_at: string;
  readonly created_by: { readonly type: string; readonly id: string } | null;
  readonly expires_at: string | null;
  readonly last_used_at: string | null;
  readonly revoked_at: string | null;
}

export const apiKeysCreate = async (
  { client, out }: Deps,
  options: { name: string; scope: string[]; expiresAt?: string },
): Promise<void> => {
  const result = await client.request<ApiKey & { key: string }>('POST', '/v1/api-keys', {
    name: options.name,
    scopes: options.scope,
    ...(options.expiresAt !== undefined && { expires_at: options.expiresAt }),
  });
  const expiry = result.expires_at === null ? '' : `, expires ${result.expires_at}`;
  out.result(
    result,
    () =>
      `created API key ${result.id} (${result.scopes.join(', ')}${expiry}). Shown once:\n\n  ${result.key}\n`,
  );
};

export const apiKeysList = async ({ client, out }: Deps): Promise<void> => {
  const { api_keys: keys } = await client.request<{ api_keys: ApiKey[] }>('GET', '/v1/api-keys');
  out.result(keys, () =>
    table([
      ['ID', 'NAME', 'STATUS', 'SCOPES', 'CREATED BY', 'EXPIRES', 'LAST USED'],
      ...keys.map((key) => [
        key.id,
        key.name,
        key.status,
        key.scopes.join(','),
        key.created_by === null ? '' : `${key.created_by.type}:${key.created_by.id}`,
        key.expires_at ?? '',
        key.last_used_at ?? '',
      ]),
    ]),
  );
};

export const apiKeysRevoke = async (
  { client, out }: Deps,
  id: string,
  options: { reason: string },
): Promise<void> => {
  const key = await client.request<ApiKey>(
    'DELETE',
    `/v1/api-keys/${encodeURIComponent(id)}?reason=${encodeURIComponent(options.reason)}`,
  );
  out.result(key, () => `revoked API key ${key.id} (${key.name}) at ${key.revoked_at}`);
};
