import type { ApiKeyRecord, ApiKeyScope, Actor } from '../domain/records.js';
import { hash, timingSafeEqual } from 'node:crypto';
import { hashSecret } from '../lib/secrets.js';
import type { Store } from '../ports/store.js';

export interface Principal {
  readonly actor: Actor;
  readonly scopes: readonly ApiKeyScope[];
}

/** API keys are looked up by hash; a short cache keeps feed and introspection calls off the store. */
const CACHE_TTL_MS = 5_000;
const CACHE_MAX = 10_000;

export const parseBearer = (header: string | undefined): string | undefined => {
  if (header === undefined) return undefined;
  const match = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i.exec(header.trim());
  return match?.[1];
};

export const hasScope = (principal: Principal, scope: ApiKeyScope): boolean =>
  principal.scopes.includes('admin') || principal.scopes.includes(scope);

const BOOTSTRAP_ADMIN: Principal = Object.freeze({
  actor: Object.freeze({ type: 'admin', id: 'bootstrap' } as const),
  scopes: Object.freeze(['admin'] as const),
});

export const createApiKeyAuthenticator = (store: Store, configuredAdminKey: string | undefined) => {
  const cache = new Map<string, { readonly record: ApiKeyRecord | undefined; readonly loadedAtMs: number }>();
  // Hashed once: every call then costs one SHA-256 of the presented key and constant-time compares.
  const adminKeyHash =
    configuredAdminKey === undefined ? undefined : Buffer.from(hashSecret(configuredAdminKey), 'hex');

  return async (presented: string): Promise<Principal | undefined> => {
    const digest = hash('sha256', presented, 'buffer');
    if (adminKeyHash !== undefined && timingSafeEqual(digest, adminKeyHash)) return BOOTSTRAP_ADMIN;
    const keyHash = digest.toString('hex'); // as hashSecret() stores it
    const nowMs = Date.now();
    let cached = cache.get(keyHash);
    if (cached === undefined || nowMs - cached.loadedAtMs > CACHE_TTL_MS) {
      if (cache.size >= CACHE_MAX) cache.clear();
      cached = { record: await store.apiKeys.findByHash(keyHash), loadedAtMs: nowMs };
      cache.set(keyHash, cached);
    }
    const record = cached.record;
    if (record === undefined || record.revokedAt !== null) return undefined;
    return { actor: { type: 'api_key', id: record.id }, scopes: record.scopes };
  };
};
