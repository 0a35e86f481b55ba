import { describe, expect, it } from 'vitest';
import { isCutoffError } from '../../src/domain/errors.js';
import type { SessionId, UserId } from '../../src/domain/ids.js';
import type { OutboxMessage, UserRecord } from '../../src/domain/records.js';
import type { Store } from '../../src/ports/storage/store.js';
import {
  at,
  deferred,
  delay,
  makeAuditEvent,
  makeGroup,
  makeOutboxMessage,
  makeRefreshToken,
  makeSession,
  makeUser,
} from './fixtures.js';

const uid = (id: string): UserId => id as UserId;
const sid = (id: string): SessionId => id as SessionId;

const expectCode = async (promise: Promise<unknown>, code: string): Promise<void> => {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(isCutoffError(error) ? error.code : error).toBe(code);
};

/*
 * Members and their sessions (each session has one active refresh token):
 *
 *   alice  groups eng          roles admin   s_a1, s_a2
 *   bob    groups eng, ops                   s_b1
 *   carol  groups ops, lab     roles admin   s_c1
 */
const seedMembers = async (store: Store): Promise<void> => {
  await store.transaction(async (tx) => {
    await tx.users.insert(makeUser('alice', { groups: ['eng'], roles: ['admin'] }));
    await tx.users.insert(makeUser('bob', { groups: ['eng', 'ops'] }));
    await tx.users.insert(makeUser('carol', { groups: ['ops', 'lab'], roles: ['admin'] }));
    for (const [id, user] of [
      ['s_a1', 'alice'],
      ['s_a2', 'alice'],
      ['s_b1', 'bob'],
      ['s_c1', 'carol'],
    ] as const) {
      await tx.sessions.insert(makeSession(id, user, 'c1'));
      await tx.refreshTokens.insert(makeRefreshToken(`${id}_rt`, id));
    }
  });
};

const groupsOf = async (store: Store, id: string): Promise<readonly string[] | undefined> =>
  (await store.read((r) => r.users.findById(uid(id))))?.groups;

const ids = (messages: readonly OutboxMessage[]): string[] => messages.map((message) => message.id);

/** The business-event parts of the port (SCIM, groups, outbox, webhooks); part of the one conformance suite. */
export const describeBusinessEventsConformance = (current: () => Store): void => {
  describe('users: SCIM attributes and deletion', () => {
    it('round-trips, patches and finds SCIM attributes; records without them read back as null', async () => {
      const store = current();
      const scim = makeUser('usr_1', {
        externalId: '00u1abcd',
        displayName: 'Ada Lovelace',
        givenName: 'Ada',
        familyName: 'Lovelace',
      });
      await store.transaction((tx) => tx.users.insert(scim));
      expect(await store.read((r) => r.users.findById(scim.id))).toEqual(scim);
      expect(await store.read((r) => r.users.findByExternalId('00u1abcd'))).toEqual(scim);
      expect(await store.read((r) => r.users.findByExternalId('00U1ABCD'))).toBeUndefined();

      // A record built without the optional fields (as older code does).
      const { externalId, displayName, givenName, familyName, ...legacy } = makeUser('usr_2');
      expect([externalId, displayName, givenName, familyName]).toEqual([null, null, null, null]);
      const minimal: UserRecord = legacy;
      await store.transaction((tx) => tx.users.insert(minimal));
      expect(await store.read((r) => r.users.findById(uid('usr_2')))).toEqual(makeUser('usr_2'));

      const patched = await store.transaction((tx) =>
        tx.users.update(uid('usr_2'), {
          externalId: 'ext-2',
          displayName: 'Grace',
          updatedAt: at(1000),
        }),
      );
      expect(patched).toEqual(
        makeUser('usr_2', { externalId: 'ext-2', displayName: 'Grace', updatedAt: at(1000) }),
      );
      expect((await store.read((r) => r.users.findByExternalId('ext-2')))?.id).toBe('usr_2');
      const cleared = await store.transaction((tx) =>
        tx.users.update(uid('usr_1'), {
          externalId: null,
          givenName: null,
          updatedAt: at(2000),
        }),
      );
      expect(cleared).toMatchObject({ externalId: null, givenName: null, familyName: 'Lovelace' });
      expect(await store.read((r) => r.users.findByExternalId('00u1abcd'))).toBeUndefined();
      expect(await store.read((r) => r.users.countAll())).toBe(2);
    });

    it('deletes a user with its sessions and refresh tokens, leaving audit events and other users alone', async () => {
      const store = current();
      await seedMembers(store);
      const event = await store.transaction((tx) =>
        tx.audit.append(makeAuditEvent({ target: { type: 'user', id: 'alice' } })),
      );
      expect(await store.read((r) => r.users.countAll())).toBe(3);

      expect(await store.transaction((tx) => tx.users.delete(uid('alice')))).toBe(true);
      expect(await store.read((r) => r.users.findById(uid('alice')))).toBeUndefined();
      expect(await store.read((r) => r.sessions.listByUser(uid('alice')))).toEqual([]);
      expect(await store.read((r) => r.sessions.findById(sid('s_a1')))).toBeUndefined();
      expect(await store.read((r) => r.refreshTokens.findByHash('hash-s_a1_rt'))).toBeUndefined();
      expect(await store.read((r) => r.sessions.countActive({ kind: 'group', key: 'eng' }))).toBe(1);
      expect(await store.read((r) => r.sessions.countActive({ kind: 'role', key: 'admin' }))).toBe(1);
      expect(await store.read((r) => r.groups.memberIds('eng'))).toEqual(['bob']);
      expect(await store.read((r) => r.users.countAll())).toBe(2);
      expect(await store.read((r) => r.audit.scan(0, 10))).toEqual([event]);
      // Other users keep everything.
      expect((await store.read((r) => r.sessions.findById(sid('s_b1'))))?.status).toBe('active');
      expect((await store.read((r) => r.refreshTokens.findByHash('hash-s_b1_rt')))?.status).toBe('active');

      expect(await store.transaction((tx) => tx.users.delete(uid('alice')))).toBe(false);
      // The username is free again.
      await store.transaction((tx) => tx.users.insert(makeUser('usr_new', { username: 'alice' })));
    });

    it('rolls a deletion back with its transaction', async () => {
      const store = current();
      await seedMembers(store);
      await expect(
        store.transaction(async (tx) => {
          expect(await tx.users.delete(uid('bob'))).toBe(true);
          throw new Error('abort');
        }),
      ).rejects.toThrow('abort');
      expect(await groupsOf(store, 'bob')).toEqual(['eng', 'ops']);
      expect(await store.read((r) => r.sessions.countActive({ kind: 'user', key: 'bob' }))).toBe(1);
      expect(
        await store.read((r) => r.refreshTokens.countActiveForSessions({ kind: 'user', key: 'bob' })),
      ).toBe(1);
    });
  });

  describe('groups', () => {
    it('round-trips and rejects a duplicate id or name with ERR_CONFLICT, keeping a transaction usable', async () => {
      const store = current();
      const group = makeGroup('acme', {
        displayName: 'ACME project',
        externalId: '00g42',
        endAt: at(86_400_000),
        endedAt: null,
        createdAt: at(1),
        updatedAt: at(2),
      });
      await store.transaction((tx) => tx.groups.insert(group));
      expect(await store.read((r) => r.groups.findById('grp_acme'))).toEqual(group);
      expect(await store.read((r) => r.groups.findByName('acme'))).toEqual(group);
      expect(await store.read((r) => r.groups.findByName('ACME'))).toBeUndefined();
      expect(await store.read((r) => r.groups.findByExternalId('00g42'))).toEqual(group);
      expect(await store.read((r) => r.groups.findById('grp_missing'))).toBeUndefined();
      expect(await store.read((r) => r.groups.findByExternalId('nope'))).toBeUndefined();

      await expectCode(
        store.transaction((tx) => tx.groups.insert(makeGroup('acme', { id: 'grp_other' }))),
        'ERR_CONFLICT',
      );
      await expectCode(
        store.transaction((tx) => tx.groups.insert(makeGroup('other', { id: 'grp_acme' }))),
        'ERR_CONFLICT',
      );
      await store.transaction(async (tx) => {
        await expectCode(tx.groups.insert(makeGroup('acme', { id: 'grp_2' })), 'ERR_CONFLICT');
        await tx.groups.insert(makeGroup('beta'));
      });
      expect((await store.read((r) => r.groups.findByName('beta')))?.id).toBe('grp_beta');
      expect(await store.read((r) => r.groups.findByName('other'))).toBeUndefined();
    });

    it('pages by id with an opaque cursor', async () => {
      const store = current();
      for (const name of ['c', 'a', 'e', 'b', 'd'])
        await store.transaction((tx) => tx.groups.insert(makeGroup(name)));
      const first = await store.read((r) => r.groups.list({ limit: 2 }));
      expect(first.items.map((g) => g.id)).toEqual(['grp_a', 'grp_b']);
      const second = await store.read((r) => r.groups.list({ limit: 2, cursor: first.nextCursor! }));
      expect(second.items.map((g) => g.id)).toEqual(['grp_c', 'grp_d']);
      const third = await store.read((r) => r.groups.list({ limit: 2, cursor: second.nextCursor! }));
      expect(third.items.map((g) => g.id)).toEqual(['grp_e']);
      expect(third.nextCursor).toBeNull();
      expect((await store.read((r) => r.groups.list({ limit: 5 }))).nextCursor).toBeNull();
      await expectCode(
        store.read((r) => r.groups.list({ limit: 2, cursor: 'garbage' })),
        'ERR_VALIDATION',
      );
    });

    it('patches only the given fields and refuses a rename onto a taken name', async () => {
      const store = current();
      await store.transaction((tx) => tx.groups.insert(makeGroup('acme', { externalId: 'x1' })));
      await store.transaction((tx) => tx.groups.insert(makeGroup('beta')));
      const updated = await store.transaction((tx) =>
        tx.groups.update('grp_acme', {
          displayName: 'ACME (ends Friday)',
          endAt: at(5000),
          updatedAt: at(100),
        }),
      );
      const expected = makeGroup('acme', {
        externalId: 'x1',
        displayName: 'ACME (ends Friday)',
        endAt: at(5000),
        updatedAt: at(100),
      });
      expect(updated).toEqual(expected);
      expect(
        await store.transaction((tx) =>
          tx.groups.update('grp_acme', { externalId: null, endedAt: at(6000), updatedAt: at(200) }),
        ),
      ).toEqual({ ...expected, externalId: null, endedAt: at(6000), updatedAt: at(200) });
      expect(
        await store.transaction((tx) =>
          tx.groups.update('grp_missing', { displayName: 'x', updatedAt: at() }),
        ),
      ).toBeUndefined();
      // What the end does to members' accounts: stored, patched on its own, read back.
      await store.transaction((tx) =>
        tx.groups.insert(makeGroup('gamma', { deactivateMembers: 'exclusive' })),
      );
      expect((await store.read((r) => r.groups.findByName('gamma')))?.deactivateMembers).toBe('exclusive');
      expect(
        await store.transaction((tx) =>
          tx.groups.update('grp_gamma', { deactivateMembers: 'none', updatedAt: at(150) }),
        ),
      ).toEqual(makeGroup('gamma', { deactivateMembers: 'none', updatedAt: at(150) }));
      expect((await store.read((r) => r.groups.listDueForEnd(at(1)))).map((group) => group.name)).toEqual([]);

      await expectCode(
        store.transaction((tx) => tx.groups.update('grp_acme', { name: 'beta', updatedAt: at(300) })),
        'ERR_CONFLICT',
      );
      expect((await store.read((r) => r.groups.findById('grp_acme')))?.name).toBe('acme');
      // Renaming to its own name is no rename.
      expect(
        (await store.transaction((tx) => tx.groups.update('grp_acme', { name: 'acme', updatedAt: at(400) })))
          ?.updatedAt,
      ).toEqual(at(400));
    });

    it('renames the group in every member, in user_groups and in the users, so selectors follow', async () => {
      const store = current();
      await seedMembers(store);
      await store.transaction((tx) => tx.groups.insert(makeGroup('eng')));
      // bob already holds the new name as well.
      await store.transaction((tx) =>
        tx.users.update(uid('bob'), { groups: ['eng', 'ops', 'platform'], updatedAt: at(1) }),
      );

      const renamed = await store.transaction((tx) =>
        tx.groups.update('grp_eng', { name: 'platform', updatedAt: at(10) }),
      );
      expect(renamed).toMatchObject({ id: 'grp_eng', name: 'platform', updatedAt: at(10) });
      expect(await store.read((r) => r.groups.findByName('eng'))).toBeUndefined();
      expect(await groupsOf(store, 'alice')).toEqual(['platform']);
      expect(await groupsOf(store, 'bob')).toEqual(['platform', 'ops']);
      expect(await groupsOf(store, 'carol')).toEqual(['ops', 'lab']);
      expect(await store.read((r) => r.groups.memberIds('platform'))).toEqual(['alice', 'bob']);
      expect(await store.read((r) => r.groups.memberIds('eng'))).toEqual([]);
      // Membership changes leave the users' updatedAt alone.
      expect((await store.read((r) => r.users.findById(uid('alice'))))?.updatedAt).toEqual(at());

      expect(await store.read((r) => r.sessions.countActive({ kind: 'group', key: 'eng' }))).toBe(0);
      expect(await store.read((r) => r.sessions.countActive({ kind: 'group', key: 'platform' }))).toBe(3);
      expect(
        await store.transaction((tx) =>
          tx.sessions.revoke({ kind: 'group', key: 'platform' }, at(20), 'contractor_end'),
        ),
      ).toBe(3);
      expect((await store.read((r) => r.sessions.findById(sid('s_a2'))))?.status).toBe('revoked');
      expect((await store.read((r) => r.sessions.findById(sid('s_c1'))))?.status).toBe('active');
    });

    it('rolls a rename back with its transaction', async () => {
      const store = current();
      await seedMembers(store);
      await store.transaction((tx) => tx.groups.insert(makeGroup('eng')));
      await expect(
        store.transaction(async (tx) => {
          await tx.groups.update('grp_eng', { name: 'platform', updatedAt: at(10) });
          expect(await tx.groups.memberIds('platform')).toEqual(['alice', 'bob']);
          throw new Error('abort');
        }),
      ).rejects.toThrow('abort');
      expect(await groupsOf(store, 'alice')).toEqual(['eng']);
      expect(await store.read((r) => r.groups.memberIds('eng'))).toEqual(['alice', 'bob']);
      expect((await store.read((r) => r.groups.findById('grp_eng')))?.name).toBe('eng');
    });

    it('deletes a group with every membership of its name', async () => {
      const store = current();
      await seedMembers(store);
      await store.transaction((tx) => tx.groups.insert(makeGroup('ops')));
      await store.transaction((tx) => tx.groups.insert(makeGroup('eng')));

      expect(await store.transaction((tx) => tx.groups.delete('grp_ops'))).toBe(true);
      expect(await store.read((r) => r.groups.findByName('ops'))).toBeUndefined();
      expect(await groupsOf(store, 'bob')).toEqual(['eng']);
      expect(await groupsOf(store, 'carol')).toEqual(['lab']);
      expect(await store.read((r) => r.groups.memberIds('ops'))).toEqual([]);
      expect(await store.read((r) => r.sessions.countActive({ kind: 'group', key: 'ops' }))).toBe(0);
      expect(await store.read((r) => r.sessions.countActive({ kind: 'group', key: 'eng' }))).toBe(3);
      expect(await store.read((r) => r.groups.memberIds('eng'))).toEqual(['alice', 'bob']);
      expect(await store.transaction((tx) => tx.groups.delete('grp_ops'))).toBe(false);
      expect((await store.read((r) => r.groups.findByName('eng')))?.id).toBe('grp_eng');
    });

    it('adds and removes members by name, with or without a group record, keeping both views in step', async () => {
      const store = current();
      await seedMembers(store);
      expect(await store.transaction((tx) => tx.groups.addMember('eng', uid('carol')))).toBe(true);
      expect(await store.transaction((tx) => tx.groups.addMember('eng', uid('carol')))).toBe(false);
      expect(await groupsOf(store, 'carol')).toEqual(['ops', 'lab', 'eng']);
      expect(await store.read((r) => r.groups.memberIds('eng'))).toEqual(['alice', 'bob', 'carol']);
      expect(await store.read((r) => r.sessions.countActive({ kind: 'group', key: 'eng' }))).toBe(4);

      expect(await store.transaction((tx) => tx.groups.removeMember('ops', uid('carol')))).toBe(true);
      expect(await store.transaction((tx) => tx.groups.removeMember('ops', uid('carol')))).toBe(false);
      expect(await groupsOf(store, 'carol')).toEqual(['lab', 'eng']);
      expect(await store.read((r) => r.groups.memberIds('ops'))).toEqual(['bob']);
      expect(await store.read((r) => r.sessions.countActive({ kind: 'group', key: 'ops' }))).toBe(1);

      expect(await store.transaction((tx) => tx.groups.addMember('eng', uid('usr_missing')))).toBe(false);
      expect(await store.transaction((tx) => tx.groups.removeMember('eng', uid('usr_missing')))).toBe(false);
      expect(await store.read((r) => r.groups.memberIds('eng'))).toEqual(['alice', 'bob', 'carol']);
    });

    it('loses no membership under concurrent changes to one user', async () => {
      const store = current();
      await store.transaction((tx) => tx.users.insert(makeUser('usr_1', { groups: ['base'] })));
      const names = Array.from({ length: 12 }, (_, index) => `g${String(index).padStart(2, '0')}`);
      const added = await Promise.all(
        names.map((name, index) =>
          index % 2 === 0
            ? store.transaction((tx) => tx.groups.addMember(name, uid('usr_1')))
            : store.transaction(async (tx) => {
                const result = await tx.groups.addMember(name, uid('usr_1'));
                await delay(index % 3);
                return result;
              }),
        ),
      );
      expect(added.every(Boolean)).toBe(true);
      expect([...((await groupsOf(store, 'usr_1')) ?? [])].sort()).toEqual(['base', ...names]);
      for (const name of names) expect(await store.read((r) => r.groups.memberIds(name))).toEqual(['usr_1']);

      const removed = await Promise.all(
        names.map((name) => store.transaction((tx) => tx.groups.removeMember(name, uid('usr_1')))),
      );
      expect(removed.every(Boolean)).toBe(true);
      expect(await groupsOf(store, 'usr_1')).toEqual(['base']);
    });

    it('lists groups due for their end and finds the earliest end of a set of names', async () => {
      const store = current();
      await store.transaction((tx) => tx.groups.insert(makeGroup('a', { endAt: at(1000) })));
      await store.transaction((tx) => tx.groups.insert(makeGroup('b', { endAt: at(2000) })));
      await store.transaction((tx) => tx.groups.insert(makeGroup('c', { endAt: at(500), endedAt: at(600) })));
      await store.transaction((tx) => tx.groups.insert(makeGroup('d')));
      await store.transaction((tx) => tx.groups.insert(makeGroup('e', { endAt: at(3000) })));
      await store.transaction((tx) => tx.groups.insert(makeGroup('f', { endAt: at(1000) })));

      const due = async (now: Date): Promise<string[]> =>
        (await store.read((r) => r.groups.listDueForEnd(now))).map((group) => group.name);
      expect(await due(at(999))).toEqual([]);
      expect(await due(at(1000))).toEqual(['a', 'f']);
      expect(await due(at(2500))).toEqual(['a', 'f', 'b']);
      await store.transaction((tx) => tx.groups.update('grp_a', { endedAt: at(2500), updatedAt: at(2500) }));
      expect(await due(at(2500))).toEqual(['f', 'b']);

      // c ended, d has no end date: both are ignored.
      expect(await store.read((r) => r.groups.earliestEndAt(['b', 'c', 'd', 'e']))).toEqual(at(2000));
      expect(await store.read((r) => r.groups.earliestEndAt(['e', 'f', 'f']))).toEqual(at(1000));
      expect(await store.read((r) => r.groups.earliestEndAt(['a', 'c', 'd']))).toBeNull();
      expect(await store.read((r) => r.groups.earliestEndAt(['unknown']))).toBeNull();
      expect(await store.read((r) => r.groups.earliestEndAt([]))).toBeNull();
    });
  });

  describe('outbox', () => {
    it('enqueues, lists by status and rejects a duplicate id', async () => {
      const store = current();
      const first = makeOutboxMessage('msg_1', {
        kind: 'sms',
        payload: { to: '+15550100', text: 'Your sessions were ended', nested: { list: [1, null] } },
      });
      await store.transaction((tx) => tx.outbox.enqueue(first));
      await store.transaction((tx) => tx.outbox.enqueue(makeOutboxMessage('msg_2', { createdAt: at(1) })));
      await store.transaction((tx) =>
        tx.outbox.enqueue(
          makeOutboxMessage('msg_0', { status: 'dead', createdAt: at(2), lastError: 'bounced', attempts: 5 }),
        ),
      );
      await expectCode(
        store.transaction((tx) => tx.outbox.enqueue(makeOutboxMessage('msg_1'))),
        'ERR_CONFLICT',
      );
      expect(await store.read((r) => r.outbox.list({ limit: 10 }))).toEqual([
        first,
        makeOutboxMessage('msg_2', { createdAt: at(1) }),
        makeOutboxMessage('msg_0', { status: 'dead', createdAt: at(2), lastError: 'bounced', attempts: 5 }),
      ]);
      expect(ids(await store.read((r) => r.outbox.list({ status: 'pending', limit: 10 })))).toEqual([
        'msg_1',
        'msg_2',
      ]);
      expect(ids(await store.read((r) => r.outbox.list({ status: 'dead', limit: 10 })))).toEqual(['msg_0']);
      expect(ids(await store.read((r) => r.outbox.list({ limit: 1 })))).toEqual(['msg_1']);
    });

    it('finds a message by id and puts only a dead one back in the queue', async () => {
      const store = current();
      await store.transaction((tx) =>
        tx.outbox.enqueue(
          makeOutboxMessage('msg_dead', {
            status: 'dead',
            lastError: 'bounced',
            attempts: 5,
            nextAttemptAt: at(9),
          }),
        ),
      );
      await store.transaction((tx) => tx.outbox.enqueue(makeOutboxMessage('msg_live')));
      expect((await store.read((r) => r.outbox.findById('msg_dead')))?.status).toBe('dead');
      expect(await store.read((r) => r.outbox.findById('msg_missing'))).toBeUndefined();
      expect(await store.transaction((tx) => tx.outbox.requeueDead('msg_live', at(100)))).toBe(false);
      expect(await store.transaction((tx) => tx.outbox.requeueDead('msg_missing', at(100)))).toBe(false);
      expect(await store.transaction((tx) => tx.outbox.requeueDead('msg_dead', at(100)))).toBe(true);
      expect(await store.read((r) => r.outbox.findById('msg_dead'))).toMatchObject({
        status: 'pending',
        attempts: 0,
        nextAttemptAt: at(100),
        lastError: 'bounced',
      });
      expect(await store.transaction((tx) => tx.outbox.requeueDead('msg_dead', at(200)))).toBe(false);
      // Due again: the worker claims it like any pending message.
      expect(ids(await store.transaction((tx) => tx.outbox.claimDue(at(100), 10, 1000)))).toContain(
        'msg_dead',
      );
    });

    it('commits a message with its transaction, or not at all', async () => {
      const store = current();
      await expect(
        store.transaction(async (tx) => {
          await tx.users.insert(makeUser('usr_1'));
          await tx.outbox.enqueue(makeOutboxMessage('msg_lost'));
          throw new Error('abort');
        }),
      ).rejects.toThrow('abort');
      await store.transaction(async (tx) => {
        await tx.users.insert(makeUser('usr_1'));
        await tx.outbox.enqueue(makeOutboxMessage('msg_kept'));
      });
      expect(ids(await store.read((r) => r.outbox.list({ limit: 10 })))).toEqual(['msg_kept']);
    });

    it('claims due messages under a lease that expires, and respects the limit', async () => {
      const store = current();
      await store.transaction((tx) =>
        tx.outbox.enqueue(makeOutboxMessage('msg_1', { nextAttemptAt: at(0) })),
      );
      await store.transaction((tx) =>
        tx.outbox.enqueue(makeOutboxMessage('msg_2', { nextAttemptAt: at(1000), createdAt: at(1) })),
      );
      await store.transaction((tx) =>
        tx.outbox.enqueue(makeOutboxMessage('msg_3', { nextAttemptAt: at(5000), createdAt: at(2) })),
      );
      await store.transaction((tx) =>
        tx.outbox.enqueue(makeOutboxMessage('msg_4', { status: 'delivered', deliveredAt: at(3) })),
      );

      const claimed = await store.transaction((tx) => tx.outbox.claimDue(at(1000), 10, 30_000));
      expect(claimed).toEqual([
        makeOutboxMessage('msg_1', { attempts: 1, nextAttemptAt: at(31_000) }),
        makeOutboxMessage('msg_2', { attempts: 1, nextAttemptAt: at(31_000), createdAt: at(1) }),
      ]);
      // Leased: nobody else gets them until the lease ends.
      expect(await store.transaction((tx) => tx.outbox.claimDue(at(1000), 10, 30_000))).toEqual([]);
      expect(ids(await store.transaction((tx) => tx.outbox.claimDue(at(30_999), 10, 30_000)))).toEqual([
        'msg_3',
      ]);
      // The worker crashed: at the end of the lease they are due again.
      const retried = await store.transaction((tx) => tx.outbox.claimDue(at(31_000), 1, 30_000));
      expect(retried).toEqual([makeOutboxMessage('msg_1', { attempts: 2, nextAttemptAt: at(61_000) })]);
      expect(ids(await store.transaction((tx) => tx.outbox.claimDue(at(31_000), 1, 30_000)))).toEqual([
        'msg_2',
      ]);
      expect(await store.transaction((tx) => tx.outbox.claimDue(at(31_000), 0, 30_000))).toEqual([]);
    });

    it('marks messages delivered, retries failures later and gives up on dead ones', async () => {
      const store = current();
      for (const id of ['msg_ok', 'msg_retry', 'msg_dead'])
        await store.transaction((tx) => tx.outbox.enqueue(makeOutboxMessage(id, { nextAttemptAt: at(0) })));
      expect(await store.transaction((tx) => tx.outbox.claimDue(at(0), 10, 10_000))).toHaveLength(3);

      expect(await store.transaction((tx) => tx.outbox.markDelivered('msg_ok', at(100)))).toBe(true);
      expect(await store.transaction((tx) => tx.outbox.markDelivered('msg_ok', at(200)))).toBe(false);
      expect(
        await store.transaction((tx) =>
          tx.outbox.markFailed('msg_retry', 'ECONNREFUSED 127.0.0.1:25', at(2000)),
        ),
      ).toBe(true);
      expect(
        await store.transaction((tx) => tx.outbox.markFailed('msg_dead', 'mailbox unavailable', null)),
      ).toBe(true);
      expect(await store.transaction((tx) => tx.outbox.markFailed('msg_dead', 'again', at(3000)))).toBe(
        false,
      );
      expect(await store.transaction((tx) => tx.outbox.markDelivered('msg_dead', at(300)))).toBe(false);
      expect(await store.transaction((tx) => tx.outbox.markDelivered('msg_missing', at(300)))).toBe(false);

      const byId = new Map(
        (await store.read((r) => r.outbox.list({ limit: 10 }))).map((message) => [message.id, message]),
      );
      expect(byId.get('msg_ok')).toMatchObject({ status: 'delivered', deliveredAt: at(100), attempts: 1 });
      expect(byId.get('msg_retry')).toMatchObject({
        status: 'pending',
        lastError: 'ECONNREFUSED 127.0.0.1:25',
        nextAttemptAt: at(2000),
        attempts: 1,
      });
      expect(byId.get('msg_dead')).toMatchObject({ status: 'dead', lastError: 'mailbox unavailable' });

      // Only the retry comes back, at its time (before its lease would have ended).
      expect(await store.transaction((tx) => tx.outbox.claimDue(at(1999), 10, 10_000))).toEqual([]);
      expect(ids(await store.transaction((tx) => tx.outbox.claimDue(at(2000), 10, 10_000)))).toEqual([
        'msg_retry',
      ]);
      expect(await store.transaction((tx) => tx.outbox.claimDue(at(1_000_000), 10, 10_000))).toHaveLength(1);
      expect(ids(await store.read((r) => r.outbox.list({ status: 'dead', limit: 10 })))).toEqual([
        'msg_dead',
      ]);
    });

    it('never hands one message to two concurrent claimers', async () => {
      const store = current();
      const total = 40;
      for (let index = 0; index < total; index += 1) {
        await store.transaction((tx) =>
          tx.outbox.enqueue(
            makeOutboxMessage(`msg_${String(index).padStart(2, '0')}`, { nextAttemptAt: at(index) }),
          ),
        );
      }
      const worker = async (): Promise<string[]> => {
        const mine: string[] = [];
        for (;;) {
          const batch = await store.transaction((tx) => tx.outbox.claimDue(at(1000), 3, 60_000));
          if (batch.length === 0) return mine;
          mine.push(...ids(batch));
        }
      };
      const results = await Promise.all([worker(), worker(), worker()]);
      const all = results.flat();
      expect(all).toHaveLength(total);
      expect(new Set(all).size).toBe(total);
      expect(
        (await store.read((r) => r.outbox.list({ limit: 100 }))).every((message) => message.attempts === 1),
      ).toBe(true);
    });

    it('skips messages another claimer holds in an open transaction', async () => {
      const store = current();
      for (let index = 0; index < 6; index += 1)
        await store.transaction((tx) =>
          tx.outbox.enqueue(makeOutboxMessage(`msg_${index}`, { nextAttemptAt: at(index) })),
        );
      const firstClaimed = deferred();
      const releaseFirst = deferred();
      const first = store.transaction(async (tx) => {
        const claimed = await tx.outbox.claimDue(at(100), 3, 60_000);
        firstClaimed.resolve();
        await releaseFirst.promise;
        return claimed;
      });
      let second: Promise<readonly OutboxMessage[]> | undefined;
      try {
        await Promise.race([firstClaimed.promise, first]);
        // PostgreSQL skips the locked rows; SQLite waits for the first transaction to commit.
        second = store.transaction((tx) => tx.outbox.claimDue(at(100), 10, 60_000));
        await delay(20);
      } finally {
        releaseFirst.resolve();
      }
      const [a, b] = await Promise.all([first, second]);
      expect(ids(a)).toEqual(['msg_0', 'msg_1', 'msg_2']);
      expect(ids(b ?? [])).toEqual(['msg_3', 'msg_4', 'msg_5']);
    });
  });

  describe('webhook events', () => {
    it('records an event once per source and prunes old ones', async () => {
      const store = current();
      expect(await store.transaction((tx) => tx.webhookEvents.recordOnce('workday', 'evt_1', at(0)))).toBe(
        true,
      );
      expect(await store.transaction((tx) => tx.webhookEvents.recordOnce('workday', 'evt_1', at(10)))).toBe(
        false,
      );
      expect(await store.transaction((tx) => tx.webhookEvents.recordOnce('splunk', 'evt_1', at(20)))).toBe(
        true,
      );
      expect(await store.transaction((tx) => tx.webhookEvents.recordOnce('workday', 'evt_2', at(1000)))).toBe(
        true,
      );

      expect(await store.transaction((tx) => tx.webhookEvents.pruneBefore(at(20)))).toBe(1);
      expect(await store.transaction((tx) => tx.webhookEvents.pruneBefore(at(20)))).toBe(0);
      expect(await store.transaction((tx) => tx.webhookEvents.recordOnce('splunk', 'evt_1', at(30)))).toBe(
        false,
      );
      expect(await store.transaction((tx) => tx.webhookEvents.recordOnce('workday', 'evt_1', at(2000)))).toBe(
        true,
      );
    });

    it('lets exactly one of concurrent duplicates through, and forgets a rolled-back one', async () => {
      const store = current();
      const attempts = await Promise.all(
        Array.from({ length: 12 }, (_, index) =>
          index % 2 === 0
            ? store.transaction((tx) => tx.webhookEvents.recordOnce('crowdstrike', 'det_9', at(index)))
            : store.transaction(async (tx) => {
                const first = await tx.webhookEvents.recordOnce('crowdstrike', 'det_9', at(index));
                await delay(index % 3);
                return first;
              }),
        ),
      );
      expect(attempts.filter(Boolean)).toHaveLength(1);

      await expect(
        store.transaction(async (tx) => {
          expect(await tx.webhookEvents.recordOnce('crowdstrike', 'det_10', at(0))).toBe(true);
          throw new Error('processing failed');
        }),
      ).rejects.toThrow('processing failed');
      expect(
        await store.transaction((tx) => tx.webhookEvents.recordOnce('crowdstrike', 'det_10', at(1))),
      ).toBe(true);
    });
  });

  describe('login failures', () => {
    it('lists counters per key and window since a start, clears and prunes', async () => {
      const store = current();
      const totals = async (keys: readonly string[], since: Date) => {
        const sums = new Map<string, number>();
        for (const count of await store.read((r) => r.loginFailures.counts(keys, since))) {
          sums.set(count.key, (sums.get(count.key) ?? 0) + count.failures);
        }
        return sums;
      };
      await store.transaction((tx) => tx.loginFailures.record(['k1', 'k2'], at(0)));
      await store.transaction((tx) => tx.loginFailures.record(['k1'], at(0)));
      await store.transaction((tx) => tx.loginFailures.record(['k1'], at(60_000)));
      await store.transaction((tx) => tx.loginFailures.record([], at(0)));
      expect(await store.read((r) => r.loginFailures.counts(['k1', 'k2', 'k3'], at(0)))).toEqual([
        { key: 'k1', windowStart: at(0), failures: 2 },
        { key: 'k2', windowStart: at(0), failures: 1 },
        { key: 'k1', windowStart: at(60_000), failures: 1 },
      ]);
      expect(await totals(['k1', 'k2'], at(60_000))).toEqual(new Map([['k1', 1]]));
      expect(await store.read((r) => r.loginFailures.counts(['k1'], at(60_001)))).toEqual([]);
      expect(await store.read((r) => r.loginFailures.counts([], at(0)))).toEqual([]);
      await store.transaction((tx) => tx.loginFailures.clear('k1', at(60_000)));
      expect(await totals(['k1', 'k2'], at(0))).toEqual(
        new Map([
          ['k1', 2],
          ['k2', 1],
        ]),
      );
      await store.transaction((tx) => tx.loginFailures.record(['k1'], at(60_000)));
      expect(await store.transaction((tx) => tx.loginFailures.pruneBefore(at(60_000)))).toBe(2);
      expect(await totals(['k1', 'k2'], at(0))).toEqual(new Map([['k1', 1]]));
    });

    it('counts every one of concurrent failures', async () => {
      const store = current();
      await Promise.all(
        Array.from({ length: 25 }, () =>
          store.transaction((tx) => tx.loginFailures.record(['hot', 'ip'], at(0))),
        ),
      );
      expect(await store.read((r) => r.loginFailures.counts(['hot', 'ip'], at(0)))).toEqual([
        { key: 'hot', windowStart: at(0), failures: 25 },
        { key: 'ip', windowStart: at(0), failures: 25 },
      ]);
    });
  });
};
