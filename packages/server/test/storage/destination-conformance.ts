import { describe, expect, it } from 'vitest';
import type { DestinationRecord } from '../../src/ports/storage/destinations.js';
import type { Store } from '../../src/ports/storage/store.js';
import { at, makeAuditEvent } from './fixtures.js';

const destination = (name: string, overrides: Partial<DestinationRecord> = {}): DestinationRecord => ({
  name,
  type: 'http',
  format: 'cutoff',
  config: { url: `https://${name}.example.com/hooks`, timeout_ms: 10_000, batch_size: 100 },
  sealedSecrets: 'sealed:abc',
  maxAttempts: 12,
  deliveredSeq: 0,
  attempts: 0,
  nextAttemptAt: at(0),
  lastError: null,
  lastDeliveredAt: null,
  paused: false,
  createdAt: at(0),
  updatedAt: at(0),
  ...overrides,
});

const fence = (name: string, holder: string, now: Date) => ({ lease: `destination:${name}`, holder, now });

/** Destinations (cursor, fencing, dead letters); part of the one conformance suite. */
export const describeDestinationConformance = (current: () => Store): void => {
  describe('destinations', () => {
    it('creates, replaces (keeping the creation time and the cursor), lists by name and deletes', async () => {
      const store = current();
      expect(await store.transaction((tx) => tx.destinations.put(destination('siem')))).toBe(true);
      expect(
        await store.transaction((tx) =>
          tx.destinations.put(destination('archive', { type: 'file', sealedSecrets: null })),
        ),
      ).toBe(true);
      await store.transaction((tx) => tx.leases.tryAcquire('destination:siem', 'r1', at(0), at(10_000)));
      expect(
        await store.transaction((tx) =>
          tx.destinations.advance('siem', 0, 7, at(5), fence('siem', 'r1', at(5))),
        ),
      ).toBe(true);
      const replaced = destination('siem', {
        config: { url: 'https://new.example.com' },
        deliveredSeq: 0,
        maxAttempts: 3,
        paused: true,
        createdAt: at(100),
        updatedAt: at(100),
      });
      expect(await store.transaction((tx) => tx.destinations.put(replaced))).toBe(false);
      const found = await store.read((r) => r.destinations.find('siem'));
      expect(found).toMatchObject({
        config: { url: 'https://new.example.com' },
        maxAttempts: 3,
        paused: true,
        deliveredSeq: 7,
        createdAt: at(0),
        updatedAt: at(100),
        lastDeliveredAt: at(5),
      });
      expect((await store.read((r) => r.destinations.list())).map((d) => d.name)).toEqual([
        'archive',
        'siem',
      ]);
      // Resealing is a compare-and-set on the sealed value.
      expect(
        await store.transaction((tx) =>
          tx.destinations.replaceSealedSecrets('siem', 'sealed:stale', 'sealed:new'),
        ),
      ).toBe(false);
      expect(
        await store.transaction((tx) =>
          tx.destinations.replaceSealedSecrets('siem', 'sealed:abc', 'sealed:new'),
        ),
      ).toBe(true);
      expect((await store.read((r) => r.destinations.find('siem')))?.sealedSecrets).toBe('sealed:new');
      expect(await store.transaction((tx) => tx.destinations.delete('siem'))).toBe(true);
      expect(await store.transaction((tx) => tx.destinations.delete('siem'))).toBe(false);
      expect(await store.read((r) => r.destinations.find('siem'))).toBeUndefined();
    });

    it('moves the cursor only for the lease holder and only from where it is (fencing)', async () => {
      const store = current();
      await store.transaction((tx) => tx.destinations.put(destination('siem')));
      expect(
        await store.transaction((tx) => tx.leases.tryAcquire('destination:siem', 'r1', at(0), at(1000))),
      ).toBe(true);
      // Not the holder, or the lease expired, or the cursor moved meanwhile: nothing is written.
      expect(
        await store.transaction((tx) =>
          tx.destinations.advance('siem', 0, 5, at(1), fence('siem', 'r2', at(1))),
        ),
      ).toBe(false);
      expect(
        await store.transaction((tx) =>
          tx.destinations.advance('siem', 0, 5, at(1), fence('siem', 'r1', at(1000))),
        ),
      ).toBe(false);
      expect(
        await store.transaction((tx) =>
          tx.destinations.advance('siem', 3, 5, at(1), fence('siem', 'r1', at(1))),
        ),
      ).toBe(false);
      expect(
        await store.transaction((tx) =>
          tx.destinations.recordFailure(
            'siem',
            0,
            { attempts: 1, nextAttemptAt: at(2000), error: 'answered 500' },
            fence('siem', 'r2', at(1)),
          ),
        ),
      ).toBe(false);
      expect((await store.read((r) => r.destinations.find('siem')))?.deliveredSeq).toBe(0);

      expect(
        await store.transaction((tx) =>
          tx.destinations.recordFailure(
            'siem',
            0,
            { attempts: 1, nextAttemptAt: at(2000), error: 'answered 500' },
            fence('siem', 'r1', at(1)),
          ),
        ),
      ).toBe(true);
      expect(await store.read((r) => r.destinations.find('siem'))).toMatchObject({
        attempts: 1,
        nextAttemptAt: at(2000),
        lastError: 'answered 500',
      });
      expect(
        await store.transaction((tx) =>
          tx.destinations.advance('siem', 0, 5, at(2), fence('siem', 'r1', at(2))),
        ),
      ).toBe(true);
      expect(await store.read((r) => r.destinations.find('siem'))).toMatchObject({
        deliveredSeq: 5,
        attempts: 0,
        lastError: null,
        lastDeliveredAt: at(2),
      });
      // Replay: the next event delivered is the one asked for.
      expect(await store.transaction((tx) => tx.destinations.rewind('siem', 2, at(3)))).toBe(true);
      expect((await store.read((r) => r.destinations.find('siem')))?.deliveredSeq).toBe(1);
      expect(await store.transaction((tx) => tx.destinations.rewind('nobody', 2, at(3)))).toBe(false);
      expect(await store.read((r) => r.destinations.leaseHolder('destination:siem', at(10)))).toBe('r1');
      expect(
        await store.read((r) => r.destinations.leaseHolder('destination:siem', at(1000))),
      ).toBeUndefined();
    });

    it('keeps dead letters per destination, retry requests, and forgets them with the destination', async () => {
      const store = current();
      await store.transaction((tx) => tx.destinations.put(destination('siem')));
      await store.transaction((tx) => tx.destinations.put(destination('other')));
      const letter = {
        destination: 'siem',
        attempts: 12,
        lastError: 'answered 422',
        deadAt: at(9),
        retryRequested: false,
      };
      await store.transaction((tx) => tx.destinations.insertDeadLetter({ ...letter, seq: 4 }));
      await store.transaction((tx) => tx.destinations.insertDeadLetter({ ...letter, seq: 2 }));
      await store.transaction((tx) =>
        tx.destinations.insertDeadLetter({ ...letter, seq: 2, lastError: 'answered 400' }),
      );
      await store.transaction((tx) =>
        tx.destinations.insertDeadLetter({ ...letter, destination: 'other', seq: 2 }),
      );
      expect(await store.read((r) => r.destinations.countDeadLetters('siem'))).toBe(2);
      const listed = await store.read((r) => r.destinations.listDeadLetters('siem', { limit: 10 }));
      expect(listed.map((l) => [l.seq, l.lastError])).toEqual([
        [2, 'answered 400'],
        [4, 'answered 422'],
      ]);
      expect(
        (await store.read((r) => r.destinations.listDeadLetters('siem', { limit: 10, afterSeq: 2 }))).map(
          (l) => l.seq,
        ),
      ).toEqual([4]);
      expect(await store.transaction((tx) => tx.destinations.requestRetry('siem', 4))).toBe(true);
      expect(await store.transaction((tx) => tx.destinations.requestRetry('siem', 99))).toBe(false);
      expect(
        (
          await store.read((r) => r.destinations.listDeadLetters('siem', { limit: 10, retryRequested: true }))
        ).map((l) => l.seq),
      ).toEqual([4]);
      expect(
        await store.transaction((tx) => tx.destinations.failDeadLetter('siem', 4, 13, 'answered 503')),
      ).toBe(true);
      expect(
        (await store.read((r) => r.destinations.listDeadLetters('siem', { limit: 10, afterSeq: 3 })))[0],
      ).toMatchObject({
        attempts: 13,
        lastError: 'answered 503',
        retryRequested: false,
      });
      expect(await store.transaction((tx) => tx.destinations.deleteDeadLetter('siem', 2))).toBe(true);
      expect(await store.transaction((tx) => tx.destinations.deleteDeadLetter('siem', 2))).toBe(false);
      await store.transaction((tx) => tx.destinations.delete('siem'));
      expect(await store.read((r) => r.destinations.countDeadLetters('siem'))).toBe(0);
      expect(await store.read((r) => r.destinations.countDeadLetters('other'))).toBe(1);
    });

    it('reports the audit head; a dead letter written in a rolled-back transaction is not kept', async () => {
      const store = current();
      expect(await store.read((r) => r.destinations.auditHead())).toBe(0);
      await store.transaction((tx) => tx.audit.append(makeAuditEvent()));
      await store.transaction((tx) => tx.audit.append(makeAuditEvent()));
      expect(await store.read((r) => r.destinations.auditHead())).toBe(2);
      await store.transaction((tx) => tx.destinations.put(destination('siem')));
      await expect(
        store.transaction(async (tx) => {
          await tx.destinations.insertDeadLetter({
            destination: 'siem',
            seq: 1,
            attempts: 1,
            lastError: 'x',
            deadAt: at(0),
            retryRequested: false,
          });
          throw new Error('roll back');
        }),
      ).rejects.toThrow('roll back');
      expect(await store.read((r) => r.destinations.countDeadLetters('siem'))).toBe(0);
    });
  });
};
