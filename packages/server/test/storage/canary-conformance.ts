import { describe, expect, it } from 'vitest';
import type { CanaryProbeRecord, CanaryRunRecord } from '../../src/domain/canary/canary-records.js';
import type { Store } from '../../src/ports/storage/store.js';
import { at, makeOutboxMessage } from './fixtures.js';

const probe = (name: string, overrides: Partial<CanaryProbeRecord> = {}): CanaryProbeRecord => ({
  name,
  url: `https://${name}.example.com/me`,
  method: 'GET',
  headerNames: [],
  sealedHeaders: null,
  timeoutMs: 2000,
  createdAt: at(0),
  updatedAt: at(0),
  ...overrides,
});

const run = (id: string, startedAtMs: number, overrides: Partial<CanaryRunRecord> = {}): CanaryRunRecord => ({
  id,
  startedAt: at(startedAtMs),
  finishedAt: at(startedAtMs + 150),
  kind: 'session',
  ok: true,
  probes: [{ name: 'orders', accepted: true, rejectedAfterMs: 12, statuses: [200, 401], error: null }],
  refreshRefused: true,
  introspectionInactive: true,
  guards: { applied: 2, total: 2 },
  error: null,
  ...overrides,
});

/** Canary probes, runs and leases; part of the one conformance suite. */
export const describeCanaryConformance = (current: () => Store): void => {
  describe('canary probes and runs', () => {
    it('creates, replaces (keeping the creation time), lists by name and deletes probes', async () => {
      const store = current();
      expect(await store.transaction((tx) => tx.canary.putProbe(probe('orders')))).toBe(true);
      expect(await store.transaction((tx) => tx.canary.putProbe(probe('billing', { method: 'POST' })))).toBe(
        true,
      );
      const replaced = probe('orders', {
        url: 'http://orders.internal:8080/health/auth',
        headerNames: ['x-gateway-key'],
        sealedHeaders: 'sealed-blob',
        timeoutMs: 500,
        createdAt: at(5000),
        updatedAt: at(5000),
      });
      expect(await store.transaction((tx) => tx.canary.putProbe(replaced))).toBe(false);
      expect(await store.read((r) => r.canary.findProbe('orders'))).toEqual({
        ...replaced,
        createdAt: at(0),
      });
      expect((await store.read((r) => r.canary.listProbes())).map((item) => item.name)).toEqual([
        'billing',
        'orders',
      ]);
      expect(await store.transaction((tx) => tx.canary.deleteProbe('orders'))).toBe(true);
      expect(await store.transaction((tx) => tx.canary.deleteProbe('orders'))).toBe(false);
      expect(await store.read((r) => r.canary.findProbe('orders'))).toBeUndefined();
    });

    it('replaces sealed headers only while they are the expected value (reseal)', async () => {
      const store = current();
      await store.transaction((tx) =>
        tx.canary.putProbe(probe('orders', { headerNames: ['x-key'], sealedHeaders: 'old-blob' })),
      );
      await store.transaction((tx) =>
        tx.canary.putProbe(probe('billing', { headerNames: ['x-key'], sealedHeaders: 'old-blob' })),
      );
      expect(
        await store.transaction((tx) => tx.canary.replaceSealedHeaders('orders', 'old-blob', 'new-blob')),
      ).toBe(true);
      // Someone else resealed (or re-registered) it first: the stale value is not written.
      expect(
        await store.transaction((tx) => tx.canary.replaceSealedHeaders('orders', 'old-blob', 'other-blob')),
      ).toBe(false);
      expect(
        await store.transaction((tx) => tx.canary.replaceSealedHeaders('absent', 'old-blob', 'new-blob')),
      ).toBe(false);
      expect((await store.read((r) => r.canary.findProbe('orders')))?.sealedHeaders).toBe('new-blob');
      expect((await store.read((r) => r.canary.findProbe('billing')))?.sealedHeaders).toBe('old-blob');
    });

    it('round-trips runs, lists the most recent first, selects a window oldest first, and prunes', async () => {
      const store = current();
      const failed = run('run_2', 2000, {
        ok: false,
        kind: 'token',
        refreshRefused: null,
        probes: [
          { name: 'cached', accepted: true, rejectedAfterMs: null, statuses: [200], error: null },
          { name: 'down', accepted: false, rejectedAfterMs: null, statuses: [0], error: 'ECONNREFUSED' },
        ],
        guards: { applied: 0, total: 1 },
        error: 'partial',
      });
      for (const item of [run('run_1', 1000), failed, run('run_3', 3000)])
        await store.transaction((tx) => tx.canary.insertRun(item));
      expect(await store.read((r) => r.canary.recentRuns(2))).toEqual([run('run_3', 3000), failed]);
      expect(
        (await store.read((r) => r.canary.runsBetween(at(1000), at(3000)))).map((item) => item.id),
      ).toEqual(['run_1', 'run_2']);
      expect(await store.transaction((tx) => tx.canary.pruneRunsBefore(at(2000)))).toBe(1);
      expect((await store.read((r) => r.canary.recentRuns(10))).map((item) => item.id)).toEqual([
        'run_3',
        'run_2',
      ]);
    });
  });

  describe('outbox counts (operational gauges)', () => {
    it('counts pending and dead messages, not delivered ones', async () => {
      const store = current();
      expect(await store.read((r) => r.outbox.countOpen())).toEqual({ pending: 0, dead: 0 });
      for (const id of ['m1', 'm2', 'm3', 'm4'])
        await store.transaction((tx) => tx.outbox.enqueue(makeOutboxMessage(id)));
      await store.transaction((tx) => tx.outbox.markDelivered('m1', at(1)));
      await store.transaction((tx) => tx.outbox.markFailed('m2', 'smtp 550', null));
      expect(await store.read((r) => r.outbox.countOpen())).toEqual({ pending: 2, dead: 1 });
    });
  });

  describe('leases', () => {
    it('grants a free lease, refuses it to others until it expires or is released, renews for its holder', async () => {
      const store = current();
      expect(await store.transaction((tx) => tx.leases.tryAcquire('canary', 'a', at(0), at(1000)))).toBe(
        true,
      );
      expect(await store.transaction((tx) => tx.leases.tryAcquire('canary', 'b', at(999), at(2000)))).toBe(
        false,
      );
      expect(await store.transaction((tx) => tx.leases.tryAcquire('other', 'b', at(999), at(2000)))).toBe(
        true,
      );
      expect(await store.transaction((tx) => tx.leases.tryAcquire('canary', 'a', at(500), at(1500)))).toBe(
        true,
      );
      expect(await store.transaction((tx) => tx.leases.tryAcquire('canary', 'b', at(1499), at(2500)))).toBe(
        false,
      );
      expect(await store.transaction((tx) => tx.leases.tryAcquire('canary', 'b', at(1500), at(2500)))).toBe(
        true,
      );
      expect(await store.transaction((tx) => tx.leases.release('canary', 'a'))).toBe(false);
      expect(await store.transaction((tx) => tx.leases.release('canary', 'b'))).toBe(true);
      expect(await store.transaction((tx) => tx.leases.tryAcquire('canary', 'a', at(1600), at(2600)))).toBe(
        true,
      );
    });

    it('of concurrent claimers of a free lease, exactly one wins', async () => {
      const store = current();
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, index) =>
          store.transaction((tx) => tx.leases.tryAcquire('race', `r${index}`, at(0), at(1000))),
        ),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      const later = await Promise.all(
        Array.from({ length: 8 }, (_, index) =>
          store.transaction((tx) => tx.leases.tryAcquire('race', `s${index}`, at(1000), at(2000))),
        ),
      );
      expect(later.filter(Boolean)).toHaveLength(1);
    });
  });
};
