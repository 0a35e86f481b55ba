import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClientId, SessionId, UserId } from '../../src/domain/ids.js';
import type { Store } from '../../src/ports/storage/store.js';
import { OIDC_STATE_RETENTION_MS, createOidcStatePruner } from '../../src/use-cases/oidc/prune-oidc-state.js';
import { ManualScheduler } from '../support/manual-scheduler.js';
import { testStores, type TestStores } from '../support/stores.js';
import { at, makeClient, makeSession, makeUser } from '../storage/fixtures.js';

const HOUR_MS = 3_600_000;

/** The OpenID state pruner (a PeriodicTask) driven by the manual scheduler: no sleeping. */
describe('OpenID state pruner', () => {
  let stores: TestStores;
  let store: Store;
  beforeAll(async () => {
    stores = testStores('sqlite');
    store = await stores.create();
  });
  afterAll(() => stores.dispose());

  it('deletes dead SSO cookie rows and expired assertion jtis past the retention, hourly', async () => {
    let now = at(0);
    const scheduler = new ManualScheduler();
    const errors: unknown[] = [];
    const pruner = createOidcStatePruner({
      store,
      clock: { now: () => now },
      scheduler,
      onError: (error) => errors.push(error),
    });
    await store.transaction((tx) => tx.users.insert(makeUser('u_1')));
    await store.transaction((tx) => tx.clients.insert(makeClient('cutoff')));
    await store.transaction((tx) =>
      tx.sessions.insert(makeSession('s_ended', 'u_1', 'cutoff', { absoluteExpiresAt: at(HOUR_MS) })),
    );
    await store.transaction((tx) => tx.oidc.insertBrowserSession('cookie', 's_ended' as SessionId, at(0)));
    await store.transaction((tx) => tx.oidc.recordClientAssertion('c_rp' as ClientId, 'jti-1', at(60_000)));
    await store.transaction((tx) =>
      tx.oidc.saveConsentGrant({
        userId: 'u_1' as UserId,
        clientId: 'c_rp' as ClientId,
        scope: 'openid',
        createdAt: at(0),
      }),
    );

    pruner.start();
    scheduler.advance(0);
    await pruner.idle();
    // Nothing is old enough yet: a replayed jti is still found.
    expect(
      await store.transaction((tx) => tx.oidc.recordClientAssertion('c_rp' as ClientId, 'jti-1', at(60_000))),
    ).toBe(false);
    expect(await store.read((r) => r.oidc.findBrowserSession('cookie'))).toBe('s_ended');

    now = new Date(at(HOUR_MS).getTime() + OIDC_STATE_RETENTION_MS + 1);
    scheduler.advance(HOUR_MS);
    await pruner.idle();
    expect(await store.read((r) => r.oidc.findBrowserSession('cookie'))).toBeUndefined();
    expect(
      await store.transaction((tx) => tx.oidc.recordClientAssertion('c_rp' as ClientId, 'jti-1', at(60_000))),
    ).toBe(true);
    // A consent grant is not state that expires: only a revocation forgets it.
    expect(
      await store.read((r) => r.oidc.findConsentGrant('u_1' as UserId, 'c_rp' as ClientId)),
    ).toBeDefined();
    await pruner.stop();
    expect(errors).toEqual([]);
  });
});
