import type { RevocationId } from '../../src/domain/ids.js';
import { describe, expect, it } from 'vitest';
import type { CommittedChanges } from '../../src/ports/storage/committed-changes.js';
import type { Store } from '../../src/ports/storage/store.js';
import { makeAuditEvent, makeOutboxMessage, makeRevocation } from './fixtures.js';

/** Everything the store published, in order, for a test to compare with what it committed. */
const recordCommits = (store: Store): CommittedChanges[] => {
  const published: CommittedChanges[] = [];
  store.onCommitted((changes) => published.push(changes));
  return published;
};

/**
 * What PostgreSQL's driver throws for a serialization failure (SQLSTATE 40001): the store rolls
 * the attempt back and runs the work again, exactly as for the real answer from the server.
 */
const serializationFailure = (): Error =>
  Object.assign(new Error('could not serialize access'), { code: '40001' });

/** The unit of work: what a transaction appended and enqueued is published once, after COMMIT. */
export const describeCommitConformance = (store: () => Store): void => {
  describe('publishing on commit', () => {
    it('publishes the entries, audit events and outbox messages of a committed transaction once', async () => {
      const published = recordCommits(store());
      const result = await store().transaction(async (tx) => {
        const first = await tx.revocations.append(makeRevocation('rev_1'));
        const second = await tx.revocations.append(
          makeRevocation('rev_2', { kind: 'session', key: 'ses_1' }),
        );
        const event = await tx.audit.append(makeAuditEvent());
        await tx.outbox.enqueue(makeOutboxMessage('msg_1'));
        // Nothing is published while the transaction is still open.
        expect(published).toEqual([]);
        return { seqs: [first.seq, second.seq], auditSeq: event.seq };
      });
      expect(published).toHaveLength(1);
      expect(published[0]!.revocations.map((entry) => [entry.id, entry.seq])).toEqual([
        ['rev_1', result.seqs[0]],
        ['rev_2', result.seqs[1]],
      ]);
      expect(published[0]!.auditEvents.map((event) => event.seq)).toEqual([result.auditSeq]);
      expect(published[0]!.outboxMessages.map((message) => message.id)).toEqual(['msg_1']);
    });

    it('publishes nothing for a transaction that wrote none of them, or that rolled back', async () => {
      const published = recordCommits(store());
      await store().transaction((tx) => tx.webhookEvents.recordOnce('idp', 'evt_1', new Date()));
      await expect(
        store().transaction(async (tx) => {
          await tx.revocations.append(makeRevocation('rev_rolled_back'));
          await tx.audit.append(makeAuditEvent());
          await tx.outbox.enqueue(makeOutboxMessage('msg_rolled_back'));
          throw new Error('the work failed after appending');
        }),
      ).rejects.toThrow('the work failed after appending');
      expect(published).toEqual([]);
      expect(
        await store().read((r) => r.revocations.findById('rev_rolled_back' as RevocationId)),
      ).toBeUndefined();
    });

    it('publishes only the committed attempt of a transaction a conflict made the store run again', async () => {
      const published = recordCommits(store());
      let attempts = 0;
      const work = store().transaction(async (tx) => {
        attempts += 1;
        const entry = await tx.revocations.append(makeRevocation(`rev_attempt_${attempts}`));
        if (attempts === 1) throw serializationFailure();
        return entry;
      });
      if (store().dialect === 'sqlite') {
        // SQLite never conflicts this way; the store does not retry and the error reaches the caller.
        await expect(work).rejects.toMatchObject({ code: '40001' });
        expect(attempts).toBe(1);
        expect(published).toEqual([]);
        return;
      }
      const entry = await work;
      expect(attempts).toBe(2);
      expect(published).toHaveLength(1);
      expect(published[0]!.revocations).toEqual([entry]);
      expect(entry.id).toBe('rev_attempt_2');
      expect(
        await store().read((r) => r.revocations.findById('rev_attempt_1' as RevocationId)),
      ).toBeUndefined();
    });

    it('a listener that throws neither fails the committed transaction nor silences other listeners', async () => {
      store().onCommitted(() => {
        throw new Error('a broken listener');
      });
      const published = recordCommits(store());
      const entry = await store().transaction((tx) => tx.revocations.append(makeRevocation('rev_1')));
      expect(published.map((changes) => changes.revocations)).toEqual([[entry]]);
    });
  });
};
