import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../src/ports/storage/store.js';
import { bootstrap } from '../../src/use-cases/admin/bootstrap.js';
import { createApiKey } from '../../src/use-cases/admin/create-api-key.js';
import { revokeApiKey } from '../../src/use-cases/admin/revoke-api-key.js';
import { testStores, type TestStores } from '../support/stores.js';

const ADMIN = { actor: { type: 'admin', id: 'bootstrap' }, request: { ip: null, user_agent: null } } as const;

describe('bootstrap admin key (no CUTOFF_ADMIN_KEY)', () => {
  let stores: TestStores;
  let store: Store;
  let nowMs = Date.parse('2026-12-01T12:00:00Z');
  const ctx = () => ({ store, clock: { now: () => new Date(nowMs) } });
  beforeEach(async () => {
    stores = testStores('sqlite');
    store = await stores.create();
  });
  afterEach(() => stores.dispose());

  it('generates a key when no admin key is active: none yet, every one revoked or expired', async () => {
    const first = await bootstrap(ctx(), { adminKeyConfigured: false });
    expect(first.generatedAdminKey).toMatch(/^cutoff_ak_/);
    expect((await bootstrap(ctx(), { adminKeyConfigured: false })).generatedAdminKey).toBeNull();

    // An admin key that expires keeps the API reachable only until it expires.
    const expiring = await createApiKey(
      ctx(),
      { name: 'expiring-admin', scopes: ['admin'], expiresAt: new Date(nowMs + 60_000) },
      ADMIN,
    );
    const generated = (await store.read((r) => r.apiKeys.list())).find(
      (key) => key.name === 'bootstrap-admin',
    );
    await revokeApiKey(ctx(), { id: generated!.id, reason: 'credential_change' }, ADMIN);
    expect((await bootstrap(ctx(), { adminKeyConfigured: false })).generatedAdminKey).toBeNull();
    nowMs += 60_000;
    expect((await store.read((r) => r.apiKeys.findById(expiring.record.id)))?.revokedAt).toBeNull();
    expect((await bootstrap(ctx(), { adminKeyConfigured: false })).generatedAdminKey).toMatch(/^cutoff_ak_/);
  });
});
