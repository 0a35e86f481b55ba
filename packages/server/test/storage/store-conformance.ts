import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuditChainVerifier, GENESIS_HASH } from '../../src/domain/audit-chain.js';
import { isCutoffError } from '../../src/domain/errors.js';
import type { ApiKeyId, ClientId, RevocationId, SessionId, UserId } from '../../src/domain/ids.js';
import type { AuthorizationCodeRecord } from '../../src/domain/oidc-records.js';
import type {
  AuditEventRecord,
  OutboxMessage,
  RefreshTokenStatus,
  RevocationRecord,
  SessionStatus,
} from '../../src/domain/records.js';
import type { SessionSelector } from '../../src/domain/session-selector.js';
import type { Store, StoreTx } from '../../src/ports/storage/store.js';
import { kyselyOf, seedInBulk } from '../support/stores.js';
import { describeBusinessEventsConformance } from './business-events-conformance.js';
import { describeCanaryConformance } from './canary-conformance.js';
import { describeDestinationConformance } from './destination-conformance.js';
import { describeCommitConformance } from './commit-conformance.js';
import { describeSsfTransmitterConformance } from './ssf-transmitter-conformance.js';
import {
  at,
  deferred,
  delay,
  makeApiKey,
  makeAuditEvent,
  makeClient,
  makeGroup,
  makeOutboxMessage,
  makeRefreshToken,
  makeRevocation,
  makeSession,
  makeSigningKey,
  makeUser,
  T0_SECONDS,
} from './fixtures.js';

const sid = (id: string): SessionId => id as SessionId;
const uid = (id: string): UserId => id as UserId;
const cid = (id: string): ClientId => id as ClientId;

const expectCode = async (promise: Promise<unknown>, code: string): Promise<void> => {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(isCutoffError(error) ? error.code : error).toBe(code);
};

const verifyChain = async (store: Store): Promise<ReturnType<AuditChainVerifier['result']>> => {
  const verifier = new AuditChainVerifier();
  let after = 0;
  for (;;) {
    const batch = await store.read((r) => r.audit.scan(after, 7));
    if (batch.length === 0) return verifier.result();
    for (const event of batch) verifier.add(event);
    after = batch.at(-1)!.seq;
  }
};

/*
 * The selector fixture: who holds what, and which sessions each selector must cover.
 *
 *   alice  roles admin, dev   groups eng        s_a1 (c1), s_a2 (c2)
 *   bob    roles dev          groups eng, ops   s_b1 (c1)
 *   carol  roles admin        groups ops        s_c1 (c2), s_c2 (c1, ended)
 *   dave   -                  -                 s_d1 (c2)
 *
 * Every session has one active and one rotated refresh token, the ended one included.
 */
const FIXTURE_SESSIONS = ['s_a1', 's_a2', 's_b1', 's_c1', 's_c2', 's_d1'] as const;

const seedSelectorFixture = async (store: Store): Promise<void> => {
  await store.transaction(async (tx) => {
    await tx.users.insert(makeUser('alice', { roles: ['admin', 'dev'], groups: ['eng'] }));
    await tx.users.insert(makeUser('bob', { roles: ['dev'], groups: ['eng', 'ops'] }));
    await tx.users.insert(makeUser('carol', { roles: ['admin'], groups: ['ops'] }));
    await tx.users.insert(makeUser('dave'));
    const sessions = [
      makeSession('s_a1', 'alice', 'c1'),
      makeSession('s_a2', 'alice', 'c2'),
      makeSession('s_b1', 'bob', 'c1'),
      makeSession('s_c1', 'carol', 'c2'),
      makeSession('s_c2', 'carol', 'c1', { status: 'ended' }),
      makeSession('s_d1', 'dave', 'c2'),
    ];
    for (const session of sessions) {
      await tx.sessions.insert(session);
      await tx.refreshTokens.insert(makeRefreshToken(`${session.id}_active`, session.id));
      await tx.refreshTokens.insert(
        makeRefreshToken(`${session.id}_rotated`, session.id, { status: 'rotated', rotatedAt: at(1000) }),
      );
    }
  });
};

const sessionStatuses = async (store: Store): Promise<Record<string, SessionStatus>> => {
  const entries = await Promise.all(
    FIXTURE_SESSIONS.map(
      async (id) => [id, (await store.read((r) => r.sessions.findById(sid(id))))!.status] as const,
    ),
  );
  return Object.fromEntries(entries);
};

const tokenStatus = async (store: Store, id: string): Promise<RefreshTokenStatus | undefined> =>
  (await store.read((r) => r.refreshTokens.findByHash(`hash-${id}`)))?.status;

interface SelectorCase {
  readonly selector: SessionSelector;
  /** Active sessions the selector covers. */
  readonly active: readonly string[];
  /** Every session (any status) whose refresh tokens it covers. */
  readonly covered: readonly string[];
}

const SELECTOR_CASES: readonly SelectorCase[] = [
  { selector: { kind: 'session', key: 's_a1' }, active: ['s_a1'], covered: ['s_a1'] },
  { selector: { kind: 'session', key: 's_c2' }, active: [], covered: ['s_c2'] },
  { selector: { kind: 'user', key: 'alice' }, active: ['s_a1', 's_a2'], covered: ['s_a1', 's_a2'] },
  { selector: { kind: 'user', key: 'carol' }, active: ['s_c1'], covered: ['s_c1', 's_c2'] },
  {
    selector: { kind: 'group', key: 'eng' },
    active: ['s_a1', 's_a2', 's_b1'],
    covered: ['s_a1', 's_a2', 's_b1'],
  },
  { selector: { kind: 'group', key: 'ops' }, active: ['s_b1', 's_c1'], covered: ['s_b1', 's_c1', 's_c2'] },
  { selector: { kind: 'group', key: 'nobody' }, active: [], covered: [] },
  {
    selector: { kind: 'role', key: 'admin' },
    active: ['s_a1', 's_a2', 's_c1'],
    covered: ['s_a1', 's_a2', 's_c1', 's_c2'],
  },
  {
    selector: { kind: 'role', key: 'dev' },
    active: ['s_a1', 's_a2', 's_b1'],
    covered: ['s_a1', 's_a2', 's_b1'],
  },
  { selector: { kind: 'client', key: 'c1' }, active: ['s_a1', 's_b1'], covered: ['s_a1', 's_b1', 's_c2'] },
  {
    selector: { kind: 'client', key: 'c2' },
    active: ['s_a2', 's_c1', 's_d1'],
    covered: ['s_a2', 's_c1', 's_d1'],
  },
  {
    selector: { kind: 'all', key: '*' },
    active: ['s_a1', 's_a2', 's_b1', 's_c1', 's_d1'],
    covered: [...FIXTURE_SESSIONS],
  },
];

/**
 * The behaviour every Store backend must have. Two tests reach below the port through
 * test/support/stores.ts: tampering with a stored audit row, and bulk seeding for the scale test. `factory` returns a new, migrated, empty store per
 * test; the suite closes it afterwards (the caller removes files or schemas).
 */
export const describeStoreConformance = (name: string, factory: () => Promise<Store>): void => {
  describe(`Store conformance: ${name}`, () => {
    let store: Store;

    beforeEach(async () => {
      store = await factory();
    });

    afterEach(async () => {
      await store.close();
    });

    describe('lifecycle', () => {
      it('migrates again harmlessly, keeps data and answers ping', async () => {
        await store.transaction((tx) => tx.users.insert(makeUser('usr_1', { roles: ['admin'] })));
        await store.migrate();
        await store.migrate();
        await store.ping();
        expect((await store.read((r) => r.users.findById(uid('usr_1'))))?.roles).toEqual(['admin']);
        expect(await store.read((r) => r.sessions.countActive({ kind: 'role', key: 'admin' }))).toBe(0);
      });
    });

    describe('transactions', () => {
      it('commits and returns the value of the work', async () => {
        const result = await store.transaction(async (tx) => {
          await tx.users.insert(makeUser('usr_1'));
          // The transaction sees its own writes.
          return (await tx.users.findById(uid('usr_1')))?.username;
        });
        expect(result).toBe('usr_1');
        expect(await store.read((r) => r.users.findById(uid('usr_1')))).toBeDefined();
      });

      it('keeps nothing when the work throws', async () => {
        const boom = new Error('boom');
        const attempt = store.transaction(async (tx) => {
          await tx.users.insert(makeUser('usr_1', { roles: ['admin'], groups: ['eng'] }));
          await tx.sessions.insert(makeSession('ses_1', 'usr_1', 'c1'));
          await tx.refreshTokens.insert(makeRefreshToken('rt_1', 'ses_1'));
          await tx.clients.insert(makeClient('c1'));
          await tx.revocations.append(makeRevocation('rev_1'));
          await tx.audit.append(makeAuditEvent());
          expect(await tx.revocations.head()).toBeGreaterThan(0);
          throw boom;
        });
        await expect(attempt).rejects.toBe(boom);

        expect(await store.read((r) => r.users.findById(uid('usr_1')))).toBeUndefined();
        expect(await store.read((r) => r.users.findByUsername('usr_1'))).toBeUndefined();
        expect(await store.read((r) => r.sessions.findById(sid('ses_1')))).toBeUndefined();
        expect(await store.read((r) => r.refreshTokens.findByHash('hash-rt_1'))).toBeUndefined();
        expect(await store.read((r) => r.clients.findById(makeClient('c1').id))).toBeUndefined();
        expect(await store.read((r) => r.revocations.findById('rev_1' as RevocationId))).toBeUndefined();
        expect(await store.read((r) => r.revocations.head())).toBe(0);
        expect(await store.read((r) => r.revocations.listLive(0, 0, 10))).toEqual([]);
        expect(await store.read((r) => r.audit.scan(0, 10))).toEqual([]);
        expect(await store.read((r) => r.sessions.countActive({ kind: 'group', key: 'eng' }))).toBe(0);

        // The chain and the feed carry on as if nothing happened.
        const event = await store.transaction((tx) => tx.audit.append(makeAuditEvent()));
        expect(event.seq).toBe(1);
        expect(event.prevHash).toBe(GENESIS_HASH);
        const entry = await store.transaction((tx) => tx.revocations.append(makeRevocation('rev_2')));
        expect(await store.read((r) => r.revocations.listLive(0, 0, 10))).toEqual([entry]);
      });

      it('rolls back updates and revocations of existing rows', async () => {
        await seedSelectorFixture(store);
        await expect(
          store.transaction(async (tx) => {
            expect(await tx.sessions.revoke({ kind: 'all', key: '*' }, at(5000), 'manual')).toBe(5);
            expect(await tx.refreshTokens.revokeForSessions({ kind: 'all', key: '*' })).toBe(6);
            await tx.users.update(uid('alice'), { groups: [], updatedAt: at(5000) });
            throw new Error('abort');
          }),
        ).rejects.toThrow('abort');
        expect(await store.read((r) => r.sessions.countActive({ kind: 'all', key: '*' }))).toBe(5);
        expect(
          await store.read((r) => r.refreshTokens.countActiveForSessions({ kind: 'all', key: '*' })),
        ).toBe(6);
        expect(await store.read((r) => r.sessions.countActive({ kind: 'group', key: 'eng' }))).toBe(3);
        expect((await store.read((r) => r.users.findById(uid('alice'))))?.groups).toEqual(['eng']);
      });
    });

    describe('users', () => {
      it('round-trips every field', async () => {
        const user = makeUser('usr_1', {
          username: 'Ada.Lovelace',
          email: null,
          passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA',
          roles: ['admin', 'auditor'],
          groups: ['eng', 'contractors:acme'],
          active: false,
          totpSecret: 'JBSWY3DPEHPK3PXP',
          totpPendingSecret: 'sealed:pending',
          mfaRequired: true,
          createdAt: at(1),
          updatedAt: at(2),
        });
        await store.transaction((tx) => tx.users.insert(user));
        expect(await store.read((r) => r.users.findById(user.id))).toEqual(user);
        expect(await store.read((r) => r.users.findByUsername('Ada.Lovelace'))).toEqual(user);
        // Any letter case finds the user, who keeps the case it was created with.
        expect(await store.read((r) => r.users.findByUsername('ada.lovelace'))).toEqual(user);
        expect(await store.read((r) => r.users.findByUsername('ADA.LOVELACE'))).toEqual(user);
        expect(await store.read((r) => r.users.findById(uid('usr_missing')))).toBeUndefined();
      });

      it('keeps usernames unique regardless of letter case, the same on every backend', async () => {
        await store.transaction((tx) =>
          tx.users.insert(makeUser('usr_1', { username: 'Olivia@Example.com' })),
        );
        await store.transaction((tx) => tx.users.insert(makeUser('usr_2', { username: 'kate' })));
        await expectCode(
          store.transaction((tx) => tx.users.insert(makeUser('usr_3', { username: 'olivia@EXAMPLE.com' }))),
          'ERR_CONFLICT',
        );
        expect(await store.read((r) => r.users.findById(uid('usr_3')))).toBeUndefined();
        expect((await store.read((r) => r.users.findByUsername('OLIVIA@EXAMPLE.COM')))?.id).toBe('usr_1');
        // Only ASCII letters fold: U+212A KELVIN SIGN is not a "K", whatever toLowerCase() says.
        expect(await store.read((r) => r.users.findByUsername('\u212Aate'))).toBeUndefined();
        // A rename onto another user's name in another case is refused; a change of one's own
        // case is a rename like any other.
        await expectCode(
          store.transaction((tx) =>
            tx.users.update(uid('usr_2'), { username: 'OLIVIA@example.com', updatedAt: at(10) }),
          ),
          'ERR_CONFLICT',
        );
        const recased = await store.transaction((tx) =>
          tx.users.update(uid('usr_1'), {
            username: 'olivia@example.com',
            updatedAt: at(20),
          }),
        );
        expect(recased?.username).toBe('olivia@example.com');
        expect((await store.read((r) => r.users.findByUsername('Olivia@Example.com')))?.username).toBe(
          'olivia@example.com',
        );
        expect(
          (await store.read((r) => r.users.list({ limit: 10, username: 'KATE' }))).items.map((u) => u.id),
        ).toEqual(['usr_2']);
      });

      it('keeps a pending TOTP enrolment apart until it is confirmed, once', async () => {
        await store.transaction((tx) => tx.users.insert(makeUser('usr_1', { totpSecret: 'sealed:old' })));
        const id = uid('usr_1');
        expect(await store.transaction((tx) => tx.users.claimTotpStep(id, 5))).toBe(true);
        await store.transaction((tx) =>
          tx.users.update(id, { totpPendingSecret: 'sealed:new', updatedAt: at(10) }),
        );
        // The active secret and its used steps are untouched by a pending enrolment.
        expect(await store.read((r) => r.users.findById(id))).toMatchObject({
          totpSecret: 'sealed:old',
          totpPendingSecret: 'sealed:new',
        });
        expect(await store.transaction((tx) => tx.users.claimTotpStep(id, 5))).toBe(false);
        expect(await store.transaction((tx) => tx.users.confirmTotp(id, 'sealed:other', 100, at(20)))).toBe(
          false,
        );
        expect(
          await store.transaction((tx) => tx.users.replaceTotpPendingSecret(id, 'sealed:other', 'x')),
        ).toBe(false);
        expect(
          await store.transaction((tx) => tx.users.replaceTotpPendingSecret(id, 'sealed:new', 'sealed:new2')),
        ).toBe(true);
        // Two confirmations racing: exactly one wins.
        const raced = await Promise.all([
          store.transaction((tx) => tx.users.confirmTotp(id, 'sealed:new2', 100, at(30))),
          store.transaction((tx) => tx.users.confirmTotp(id, 'sealed:new2', 100, at(30))),
        ]);
        expect(raced.filter(Boolean)).toHaveLength(1);
        expect(await store.read((r) => r.users.findById(id))).toMatchObject({
          totpSecret: 'sealed:new2',
          totpPendingSecret: null,
          updatedAt: at(30),
        });
        // The confirming code's step is used; later steps are not.
        expect(await store.transaction((tx) => tx.users.claimTotpStep(id, 100))).toBe(false);
        expect(await store.transaction((tx) => tx.users.claimTotpStep(id, 101))).toBe(true);
        expect(
          await store.transaction((tx) => tx.users.confirmTotp(uid('usr_missing'), 'a', 1, at(40))),
        ).toBe(false);
      });

      it('claims each TOTP step once, only forward, until the secret changes', async () => {
        await store.transaction((tx) =>
          tx.users.insert(makeUser('usr_1', { totpSecret: 'JBSWY3DPEHPK3PXP' })),
        );
        await store.transaction((tx) =>
          tx.users.insert(makeUser('usr_2', { totpSecret: 'JBSWY3DPEHPK3PXP' })),
        );
        const id = uid('usr_1');
        expect(await store.transaction((tx) => tx.users.claimTotpStep(id, 1_000))).toBe(true);
        expect(await store.transaction((tx) => tx.users.claimTotpStep(id, 1_000))).toBe(false);
        expect(await store.transaction((tx) => tx.users.claimTotpStep(id, 999))).toBe(false);
        // Steps are per user.
        expect(await store.transaction((tx) => tx.users.claimTotpStep(uid('usr_2'), 1_000))).toBe(true);
        expect(await store.transaction((tx) => tx.users.claimTotpStep(uid('usr_missing'), 1_000))).toBe(
          false,
        );
        // Concurrent claims of one step: one wins.
        const raced = await Promise.all([
          store.transaction((tx) => tx.users.claimTotpStep(id, 1_001)),
          store.transaction((tx) => tx.users.claimTotpStep(id, 1_001)),
        ]);
        expect(raced.filter(Boolean)).toHaveLength(1);
        // Other updates keep the step; a new secret forgets it.
        await store.transaction((tx) => tx.users.update(id, { roles: ['ops'], updatedAt: at(10) }));
        expect(await store.transaction((tx) => tx.users.claimTotpStep(id, 1_001))).toBe(false);
        await store.transaction((tx) =>
          tx.users.update(id, { totpSecret: 'KRSXG5CTMVRXEZLU', updatedAt: at(20) }),
        );
        expect(await store.transaction((tx) => tx.users.claimTotpStep(id, 1_001))).toBe(true);
      });

      it('finds users by email, ASCII letters case-insensitive, the same on every backend', async () => {
        await store.transaction((tx) =>
          tx.users.insert(makeUser('usr_1', { email: 'Ada.Lovelace@Example.COM' })),
        );
        await store.transaction((tx) => tx.users.insert(makeUser('usr_2', { email: 'grace@example.com' })));
        await store.transaction((tx) => tx.users.insert(makeUser('usr_3', { email: 'GRACE@example.com' })));
        await store.transaction((tx) => tx.users.insert(makeUser('usr_4', { email: 'Émile@example.com' })));
        await store.transaction((tx) => tx.users.insert(makeUser('usr_5', { email: null })));
        const ids = async (email: string): Promise<string[]> =>
          (await store.read((r) => r.users.findByEmail(email))).map((user) => user.id);
        expect(await ids('ada.lovelace@example.com')).toEqual(['usr_1']);
        expect(await store.read((r) => r.users.findByEmail('ADA.LOVELACE@EXAMPLE.COM'))).toEqual([
          await store.read((r) => r.users.findById(uid('usr_1'))),
        ]);
        expect(await ids('Grace@Example.com')).toEqual(['usr_2', 'usr_3']);
        expect(await ids('Émile@example.com')).toEqual(['usr_4']);
        // Only ASCII letters fold: SQLite's lower() and PostgreSQL's locale-aware one agree on this.
        expect(await ids('émile@example.com')).toEqual([]);
        expect(await ids('nobody@example.com')).toEqual([]);
        expect(await ids('')).toEqual([]);
        // An email change is found at once, inside a transaction too.
        await store.transaction((tx) =>
          tx.users.update(uid('usr_2'), { email: 'grace.hopper@example.com', updatedAt: at(10) }),
        );
        expect(await ids('grace@example.com')).toEqual(['usr_3']);
        expect(
          await store.transaction(
            async (tx) => (await tx.users.findByEmail('GRACE.HOPPER@example.com'))[0]?.id,
          ),
        ).toBe('usr_2');
      });

      it('replaces a TOTP secret only if unchanged, keeping the last used step', async () => {
        await store.transaction((tx) =>
          tx.users.insert(makeUser('usr_1', { totpSecret: 'JBSWY3DPEHPK3PXP' })),
        );
        const id = uid('usr_1');
        expect(await store.transaction((tx) => tx.users.claimTotpStep(id, 7))).toBe(true);
        expect(
          await store.transaction((tx) => tx.users.replaceTotpSecret(id, 'SOMETHINGELSE', 'sealed:y')),
        ).toBe(false);
        expect(
          await store.transaction((tx) => tx.users.replaceTotpSecret(id, 'JBSWY3DPEHPK3PXP', 'sealed:y')),
        ).toBe(true);
        expect((await store.read((r) => r.users.findById(id)))?.totpSecret).toBe('sealed:y');
        expect(await store.transaction((tx) => tx.users.claimTotpStep(id, 7))).toBe(false);
        expect(
          await store.transaction((tx) => tx.users.replaceTotpSecret(uid('usr_missing'), 'a', 'b')),
        ).toBe(false);
      });

      it('rejects a duplicate username or id with ERR_CONFLICT', async () => {
        await store.transaction((tx) => tx.users.insert(makeUser('usr_1', { username: 'ada' })));
        await expectCode(
          store.transaction((tx) => tx.users.insert(makeUser('usr_2', { username: 'ada' }))),
          'ERR_CONFLICT',
        );
        await expectCode(
          store.transaction((tx) => tx.users.insert(makeUser('usr_1', { username: 'grace' }))),
          'ERR_CONFLICT',
        );
        expect(await store.read((r) => r.users.findById(uid('usr_2')))).toBeUndefined();
        expect(await store.read((r) => r.users.findByUsername('grace'))).toBeUndefined();
      });

      it('renames a user, refusing a name another user holds', async () => {
        await store.transaction((tx) => tx.users.insert(makeUser('usr_1', { username: 'ada' })));
        await store.transaction((tx) => tx.users.insert(makeUser('usr_2', { username: 'grace' })));
        const renamed = await store.transaction((tx) =>
          tx.users.update(uid('usr_1'), { username: 'ada.l', updatedAt: at(2000) }),
        );
        expect(renamed?.username).toBe('ada.l');
        expect((await store.read((r) => r.users.findByUsername('ada.l')))?.id).toBe('usr_1');
        expect(await store.read((r) => r.users.findByUsername('ada'))).toBeUndefined();
        await expectCode(
          store.transaction((tx) =>
            tx.users.update(uid('usr_1'), { username: 'grace', updatedAt: at(3000) }),
          ),
          'ERR_CONFLICT',
        );
        expect((await store.read((r) => r.users.findById(uid('usr_1'))))?.username).toBe('ada.l');
      });

      it('leaves a transaction usable after a conflict', async () => {
        await store.transaction((tx) => tx.users.insert(makeUser('usr_1', { username: 'ada' })));
        await store.transaction(async (tx) => {
          await expectCode(tx.users.insert(makeUser('usr_2', { username: 'ada' })), 'ERR_CONFLICT');
          await tx.users.insert(makeUser('usr_3', { username: 'grace' }));
        });
        expect((await store.read((r) => r.users.findByUsername('grace')))?.id).toBe('usr_3');
      });

      it('patches only the given fields and returns the result', async () => {
        await store.transaction((tx) =>
          tx.users.insert(makeUser('usr_1', { roles: ['dev'], groups: ['eng'], totpSecret: 'SECRET' })),
        );
        const updated = await store.transaction((tx) =>
          tx.users.update(uid('usr_1'), {
            email: 'new@example.test',
            active: false,
            totpSecret: null,
            mfaRequired: true,
            updatedAt: at(60_000),
          }),
        );
        const expected = makeUser('usr_1', {
          roles: ['dev'],
          groups: ['eng'],
          email: 'new@example.test',
          active: false,
          totpSecret: null,
          mfaRequired: true,
          updatedAt: at(60_000),
        });
        expect(updated).toEqual(expected);
        expect(await store.read((r) => r.users.findById(uid('usr_1')))).toEqual(expected);
        expect(
          await store.transaction((tx) =>
            tx.users.update(uid('usr_missing'), { active: false, updatedAt: at() }),
          ),
        ).toBeUndefined();
      });

      it('keeps group and role selectors in step with updates', async () => {
        await seedSelectorFixture(store);
        // bob leaves eng, dave becomes admin and joins eng; alice's roles change, her groups do not.
        await store.transaction((tx) => tx.users.update(uid('bob'), { groups: ['ops'], updatedAt: at(1) }));
        await store.transaction((tx) =>
          tx.users.update(uid('dave'), { roles: ['admin'], groups: ['eng', 'eng'], updatedAt: at(1) }),
        );
        await store.transaction((tx) => tx.users.update(uid('alice'), { roles: ['dev'], updatedAt: at(1) }));

        expect(await store.read((r) => r.sessions.countActive({ kind: 'group', key: 'eng' }))).toBe(3); // alice 2, dave 1
        expect(await store.read((r) => r.sessions.countActive({ kind: 'group', key: 'ops' }))).toBe(2); // bob, carol
        expect(await store.read((r) => r.sessions.countActive({ kind: 'role', key: 'admin' }))).toBe(2); // carol, dave
        expect(await store.read((r) => r.sessions.countActive({ kind: 'role', key: 'dev' }))).toBe(3); // alice 2, bob

        expect(
          await store.transaction((tx) =>
            tx.sessions.revoke({ kind: 'group', key: 'eng' }, at(2), 'offboarding'),
          ),
        ).toBe(3);
        expect(await sessionStatuses(store)).toEqual({
          s_a1: 'revoked',
          s_a2: 'revoked',
          s_b1: 'active',
          s_c1: 'active',
          s_c2: 'ended',
          s_d1: 'revoked',
        });
        expect((await store.read((r) => r.users.findById(uid('dave'))))?.groups).toEqual(['eng', 'eng']);
      });

      it('tells what a revocation target names: role holders, known names, users with active sessions', async () => {
        await seedSelectorFixture(store);
        await store.transaction((tx) => tx.groups.insert(makeGroup('lab')));
        await store.transaction((tx) => tx.groups.insert(makeGroup('eng'))); // a record and memberships: listed once
        expect(await store.read((r) => r.users.countWithRole('admin'))).toBe(2);
        expect(await store.read((r) => r.users.countWithRole('dev'))).toBe(2);
        expect(await store.read((r) => r.users.countWithRole('admn'))).toBe(0);
        expect(await store.read((r) => r.users.roleNames(10))).toEqual(['admin', 'dev']);
        expect(await store.read((r) => r.users.roleNames(1))).toEqual(['admin']);
        expect(await store.read((r) => r.groups.names(10))).toEqual(['eng', 'lab', 'ops']);
        expect(await store.read((r) => r.groups.names(2))).toEqual(['eng', 'lab']);
        // c1: alice and bob active (carol's c1 session ended); c2: alice, carol, dave.
        expect(await store.read((r) => r.sessions.countActiveUsers({ kind: 'client', key: 'c1' }))).toBe(2);
        expect(await store.read((r) => r.sessions.countActiveUsers({ kind: 'client', key: 'c2' }))).toBe(3);
        expect(await store.read((r) => r.sessions.countActiveUsers({ kind: 'user', key: 'alice' }))).toBe(1);
        expect(await store.read((r) => r.sessions.countActiveUsers({ kind: 'all', key: '*' }))).toBe(4);
        await store.transaction((tx) => tx.sessions.revoke({ kind: 'user', key: 'alice' }, at(1), 'manual'));
        expect(await store.read((r) => r.sessions.countActiveUsers({ kind: 'client', key: 'c1' }))).toBe(1);
        await store.transaction(async (tx) => {
          expect(await tx.users.countWithRole('admin')).toBe(2);
          expect(await tx.groups.names(10)).toEqual(['eng', 'lab', 'ops']);
        });
      });

      it('pages by id with an opaque cursor and filters by username in any case', async () => {
        for (const n of [3, 1, 5, 2, 4])
          await store.transaction((tx) => tx.users.insert(makeUser(`usr_${n}`, { username: `user${n}` })));

        const first = await store.read((r) => r.users.list({ limit: 2 }));
        expect(first.items.map((u) => u.id)).toEqual(['usr_1', 'usr_2']);
        expect(first.nextCursor).toEqual(expect.any(String));
        const second = await store.read((r) => r.users.list({ limit: 2, cursor: first.nextCursor! }));
        expect(second.items.map((u) => u.id)).toEqual(['usr_3', 'usr_4']);
        const third = await store.read((r) => r.users.list({ limit: 2, cursor: second.nextCursor! }));
        expect(third.items.map((u) => u.id)).toEqual(['usr_5']);
        expect(third.nextCursor).toBeNull();

        const exact = await store.read((r) => r.users.list({ limit: 5 }));
        expect(exact.items).toHaveLength(5);
        expect(exact.nextCursor).toBeNull();

        const byName = await store.read((r) => r.users.list({ limit: 10, username: 'user4' }));
        expect(byName.items.map((u) => u.id)).toEqual(['usr_4']);
        expect(
          (await store.read((r) => r.users.list({ limit: 10, username: 'USER4' }))).items.map((u) => u.id),
        ).toEqual(['usr_4']);
        expect((await store.read((r) => r.users.list({ limit: 10, username: 'user' }))).items).toEqual([]);

        await expectCode(
          store.read((r) => r.users.list({ limit: 2, cursor: 'not a cursor' })),
          'ERR_VALIDATION',
        );
      });
    });

    describe('sessions', () => {
      it('round-trips, lists newest first, touches and ends only active sessions', async () => {
        await store.transaction((tx) => tx.users.insert(makeUser('usr_1')));
        const older = makeSession('ses_1', 'usr_1', 'c1', { ip: null, userAgent: null, amr: ['pwd', 'otp'] });
        const newer = makeSession('ses_2', 'usr_1', 'c1', { createdAt: at(10_000) });
        await store.transaction((tx) => tx.sessions.insert(older));
        await store.transaction((tx) => tx.sessions.insert(newer));
        expect(await store.read((r) => r.sessions.findById(older.id))).toEqual(older);
        expect((await store.read((r) => r.sessions.listByUser(uid('usr_1')))).map((s) => s.id)).toEqual([
          'ses_2',
          'ses_1',
        ]);
        expect(await store.read((r) => r.sessions.listByUser(uid('usr_other')))).toEqual([]);

        await store.transaction((tx) => tx.sessions.touch(older.id, at(60_000), at(60_000 + 1_800_000)));
        expect(await store.read((r) => r.sessions.findById(older.id))).toMatchObject({
          lastSeenAt: at(60_000),
          idleExpiresAt: at(60_000 + 1_800_000),
        });

        expect(await store.transaction((tx) => tx.sessions.end(older.id, at(70_000)))).toBe(true);
        expect(await store.transaction((tx) => tx.sessions.end(older.id, at(80_000)))).toBe(false);
        expect((await store.read((r) => r.sessions.findById(older.id)))?.status).toBe('ended');
        await store.transaction((tx) => tx.sessions.touch(older.id, at(90_000), at(90_000)));
        expect((await store.read((r) => r.sessions.findById(older.id)))?.idleExpiresAt).toEqual(
          at(60_000 + 1_800_000),
        );

        expect(
          await store.transaction((tx) =>
            tx.sessions.revoke({ kind: 'session', key: 'ses_2' }, at(1), 'manual'),
          ),
        ).toBe(1);
        expect(await store.transaction((tx) => tx.sessions.end(newer.id, at(2)))).toBe(false);
        expect((await store.read((r) => r.sessions.findById(newer.id)))?.status).toBe('revoked');
      });

      it('reads a session together with its user, every field of both intact', async () => {
        // Every user field set, so a column mapped to the wrong alias shows up.
        const user = makeUser('usr_1', {
          passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA',
          roles: ['admin', 'ops'],
          groups: ['eng'],
          active: false,
          totpSecret: 'JBSWY3DPEHPK3PXP',
          mfaRequired: true,
          createdAt: at(1),
          updatedAt: at(2),
          externalId: 'ext-1',
          displayName: 'User One',
          givenName: 'User',
          familyName: 'One',
        });
        await store.transaction((tx) => tx.users.insert(user));
        await store.transaction((tx) => tx.users.insert(makeUser('usr_2')));
        const session = makeSession('ses_1', 'usr_1', 'c1', {
          amr: ['pwd', 'otp'],
          scope: 'openid email',
          authTime: at(-5000),
        });
        await store.transaction((tx) => tx.sessions.insert(session));
        await store.transaction((tx) => tx.sessions.insert(makeSession('ses_2', 'usr_2', 'c1')));
        expect(await store.read((r) => r.sessions.findWithUser(session.id))).toEqual({ session, user });
        expect((await store.read((r) => r.sessions.findWithUser(sid('ses_2'))))?.user.id).toBe('usr_2');
        expect(await store.read((r) => r.sessions.findWithUser(sid('ses_missing')))).toBeUndefined();
        expect(await store.transaction((tx) => tx.sessions.findWithUser(session.id))).toEqual({
          session,
          user,
        });
      });

      it('refuses a session of an unknown user', async () => {
        await expect(
          store.transaction((tx) => tx.sessions.insert(makeSession('ses_1', 'usr_missing', 'c1'))),
        ).rejects.toThrow();
      });

      it('does not revoke a session twice', async () => {
        await seedSelectorFixture(store);
        expect(
          await store.transaction((tx) =>
            tx.sessions.revoke({ kind: 'user', key: 'alice' }, at(1000), 'offboarding'),
          ),
        ).toBe(2);
        expect(
          await store.transaction((tx) =>
            tx.sessions.revoke({ kind: 'user', key: 'alice' }, at(2000), 'security_incident'),
          ),
        ).toBe(0);
        expect(await store.read((r) => r.sessions.findById(sid('s_a1')))).toMatchObject({
          status: 'revoked',
          revokedAt: at(1000),
          revokedReason: 'offboarding',
        });
      });
    });

    describe.each(SELECTOR_CASES)(
      'selector $selector.kind:$selector.key',
      ({ selector, active, covered }) => {
        it('counts and revokes exactly the sessions and refresh tokens it covers', async () => {
          await seedSelectorFixture(store);
          expect(await store.read((r) => r.sessions.countActive(selector))).toBe(active.length);
          expect(await store.read((r) => r.refreshTokens.countActiveForSessions(selector))).toBe(
            covered.length,
          );

          expect(
            await store.transaction((tx) => tx.sessions.revoke(selector, at(5000), 'security_incident')),
          ).toBe(active.length);
          expect(await store.transaction((tx) => tx.refreshTokens.revokeForSessions(selector))).toBe(
            covered.length,
          );

          const fixtureStatus: Record<string, SessionStatus> = { s_c2: 'ended' };
          for (const id of FIXTURE_SESSIONS) {
            const session = (await store.read((r) => r.sessions.findById(sid(id))))!;
            const revoked = active.includes(id);
            expect(session.status, id).toBe(revoked ? 'revoked' : (fixtureStatus[id] ?? 'active'));
            expect(session.revokedAt, id).toEqual(revoked ? at(5000) : null);
            expect(session.revokedReason, id).toBe(revoked ? 'security_incident' : null);

            const tokensRevoked = covered.includes(id);
            expect(await tokenStatus(store, `${id}_active`), id).toBe(tokensRevoked ? 'revoked' : 'active');
            expect(await tokenStatus(store, `${id}_rotated`), id).toBe(tokensRevoked ? 'revoked' : 'rotated');
          }

          expect(await store.read((r) => r.sessions.countActive(selector))).toBe(0);
          expect(await store.read((r) => r.refreshTokens.countActiveForSessions(selector))).toBe(0);
          expect(await store.transaction((tx) => tx.sessions.revoke(selector, at(6000), 'manual'))).toBe(0);
          expect(await store.transaction((tx) => tx.refreshTokens.revokeForSessions(selector))).toBe(0);
        });
      },
    );

    describe('refresh tokens', () => {
      beforeEach(async () => {
        await store.transaction((tx) => tx.users.insert(makeUser('usr_1')));
        await store.transaction((tx) => tx.sessions.insert(makeSession('ses_1', 'usr_1', 'c1')));
      });

      it('round-trips and keeps token hashes unique', async () => {
        const token = makeRefreshToken('rt_1', 'ses_1');
        await store.transaction((tx) => tx.refreshTokens.insert(token));
        expect(await store.read((r) => r.refreshTokens.findByHash(token.tokenHash))).toEqual(token);
        expect(await store.read((r) => r.refreshTokens.findByHash('hash-unknown'))).toBeUndefined();
        await expect(
          store.transaction((tx) =>
            tx.refreshTokens.insert(makeRefreshToken('rt_2', 'ses_1', { tokenHash: token.tokenHash })),
          ),
        ).rejects.toThrow();
      });

      it('rotates a token once (compare-and-set by hash) and returns it only to the winner', async () => {
        await store.transaction((tx) => tx.refreshTokens.insert(makeRefreshToken('rt_1', 'ses_1')));
        expect(await store.transaction((tx) => tx.refreshTokens.rotate('hash-rt_1', at(1000)))).toEqual(
          makeRefreshToken('rt_1', 'ses_1', { status: 'rotated', rotatedAt: at(1000) }),
        );
        expect(
          await store.transaction((tx) => tx.refreshTokens.rotate('hash-rt_1', at(2000))),
        ).toBeUndefined();
        expect(await store.read((r) => r.refreshTokens.findByHash('hash-rt_1'))).toMatchObject({
          status: 'rotated',
          rotatedAt: at(1000),
        });
        await store.transaction((tx) =>
          tx.refreshTokens.insert(makeRefreshToken('rt_2', 'ses_1', { status: 'revoked' })),
        );
        expect(
          await store.transaction((tx) => tx.refreshTokens.rotate('hash-rt_2', at(1000))),
        ).toBeUndefined();
        expect(
          await store.transaction((tx) => tx.refreshTokens.rotate('hash-rt_missing', at(1000))),
        ).toBeUndefined();
      });

      it('does not rotate an expired token, and leaves it as it was', async () => {
        await store.transaction((tx) =>
          tx.refreshTokens.insert(makeRefreshToken('rt_1', 'ses_1', { expiresAt: at(5000) })),
        );
        expect(
          await store.transaction((tx) => tx.refreshTokens.rotate('hash-rt_1', at(5000))),
        ).toBeUndefined();
        expect(await store.read((r) => r.refreshTokens.findByHash('hash-rt_1'))).toMatchObject({
          status: 'active',
          rotatedAt: null,
        });
        expect(await store.transaction((tx) => tx.refreshTokens.rotate('hash-rt_1', at(4999)))).toMatchObject(
          { status: 'rotated' },
        );
      });

      it('lets exactly one of two concurrent rotations win', async () => {
        await store.transaction((tx) => tx.refreshTokens.insert(makeRefreshToken('rt_1', 'ses_1')));
        const results = await Promise.all([
          store.transaction((tx) => tx.refreshTokens.rotate('hash-rt_1', at(1000))),
          store.transaction((tx) => tx.refreshTokens.rotate('hash-rt_1', at(1001))),
        ]);
        expect(results.filter((result) => result !== undefined)).toHaveLength(1);
      });

      it('lets exactly one of two interleaved transactions rotate', async () => {
        await store.transaction((tx) => tx.refreshTokens.insert(makeRefreshToken('rt_1', 'ses_1')));
        const firstRotated = deferred();
        const releaseFirst = deferred();
        const first = store.transaction(async (tx) => {
          const won = (await tx.refreshTokens.rotate('hash-rt_1', at(1000))) !== undefined;
          firstRotated.resolve();
          await releaseFirst.promise;
          return won;
        });
        let second: Promise<boolean> | undefined;
        try {
          await Promise.race([firstRotated.promise, first]);
          // The second compare-and-set runs while the first transaction is still open.
          second = store.transaction(
            async (tx) => (await tx.refreshTokens.rotate('hash-rt_1', at(2000))) !== undefined,
          );
          await delay(30);
        } finally {
          releaseFirst.resolve();
        }
        expect(await Promise.all([first, second])).toEqual([true, false]);
        expect((await store.read((r) => r.refreshTokens.findByHash('hash-rt_1')))?.rotatedAt).toEqual(
          at(1000),
        );
      });

      it('revokes active and rotated tokens of the covered sessions, counting only the active ones', async () => {
        await store.transaction((tx) => tx.users.insert(makeUser('usr_2')));
        await store.transaction((tx) => tx.sessions.insert(makeSession('ses_2', 'usr_1', 'c2')));
        await store.transaction((tx) => tx.sessions.insert(makeSession('ses_3', 'usr_2', 'c1')));
        const rotated = { status: 'rotated', rotatedAt: at(1000) } as const;
        for (const token of [
          makeRefreshToken('rt_a1', 'ses_1'),
          makeRefreshToken('rt_a2', 'ses_1'),
          makeRefreshToken('rt_r1', 'ses_1', rotated),
          makeRefreshToken('rt_r2', 'ses_1', rotated),
          makeRefreshToken('rt_r3', 'ses_1', rotated),
          makeRefreshToken('rt_x1', 'ses_1', { status: 'revoked' }),
          makeRefreshToken('rt_b1', 'ses_2'),
          makeRefreshToken('rt_b2', 'ses_2', rotated),
          makeRefreshToken('rt_c1', 'ses_3'),
          makeRefreshToken('rt_c2', 'ses_3', rotated),
        ])
          await store.transaction((tx) => tx.refreshTokens.insert(token));
        const statuses = async (): Promise<Record<string, RefreshTokenStatus | undefined>> => {
          const ids = [
            'rt_a1',
            'rt_a2',
            'rt_r1',
            'rt_r2',
            'rt_r3',
            'rt_x1',
            'rt_b1',
            'rt_b2',
            'rt_c1',
            'rt_c2',
          ];
          return Object.fromEntries(
            await Promise.all(ids.map(async (id) => [id, await tokenStatus(store, id)])),
          );
        };

        expect(
          await store.transaction((tx) =>
            tx.refreshTokens.revokeForSessions({ kind: 'session', key: 'ses_1' }),
          ),
        ).toBe(2);
        expect(await statuses()).toEqual({
          ...{ rt_a1: 'revoked', rt_a2: 'revoked', rt_r1: 'revoked', rt_r2: 'revoked', rt_r3: 'revoked' },
          ...{ rt_x1: 'revoked', rt_b1: 'active', rt_b2: 'rotated', rt_c1: 'active', rt_c2: 'rotated' },
        });
        // Revoked tokens keep their rotation time.
        expect((await store.read((r) => r.refreshTokens.findByHash('hash-rt_r1')))?.rotatedAt).toEqual(
          at(1000),
        );

        // The user's other session, inside a transaction: ses_1 has nothing left to count.
        expect(
          await store.transaction((tx) => tx.refreshTokens.revokeForSessions({ kind: 'user', key: 'usr_1' })),
        ).toBe(1);
        expect(await statuses()).toMatchObject({ rt_b1: 'revoked', rt_b2: 'revoked' });
        expect(
          await store.transaction((tx) => tx.refreshTokens.revokeForSessions({ kind: 'user', key: 'usr_1' })),
        ).toBe(0);

        // A rotated token alone counts for nothing but is revoked all the same.
        await store.transaction((tx) => tx.refreshTokens.insert(makeRefreshToken('rt_c3', 'ses_3', rotated)));
        expect(
          await store.transaction((tx) => tx.refreshTokens.revokeForSessions({ kind: 'client', key: 'c2' })),
        ).toBe(0);
        expect(
          await store.read((r) => r.refreshTokens.countActiveForSessions({ kind: 'user', key: 'usr_2' })),
        ).toBe(1);
        expect(
          await store.transaction((tx) =>
            tx.refreshTokens.revokeForSessions({ kind: 'group', key: 'nobody' }),
          ),
        ).toBe(0);
        expect(
          await store.transaction((tx) => tx.refreshTokens.revokeForSessions({ kind: 'user', key: 'usr_2' })),
        ).toBe(1);
        expect(await tokenStatus(store, 'rt_c3')).toBe('revoked');
        expect(
          await store.read((r) => r.refreshTokens.countActiveForSessions({ kind: 'all', key: '*' })),
        ).toBe(0);
      });

      it('counts a token rotated by a transaction it had to wait for as rotated, not active', async () => {
        await store.transaction((tx) => tx.refreshTokens.insert(makeRefreshToken('rt_1', 'ses_1')));
        await store.transaction((tx) => tx.refreshTokens.insert(makeRefreshToken('rt_2', 'ses_1')));
        const rotated = deferred();
        const release = deferred();
        const rotation = store.transaction(async (tx) => {
          const won = (await tx.refreshTokens.rotate('hash-rt_1', at(1000))) !== undefined;
          rotated.resolve();
          await release.promise;
          return won;
        });
        let revocation: Promise<number> | undefined;
        try {
          await Promise.race([rotated.promise, rotation]);
          // The revocation starts while the rotation is open and waits for it (row lock on
          // PostgreSQL, the write lock on SQLite); by then rt_1 is no longer active.
          revocation = store.transaction((tx) =>
            tx.refreshTokens.revokeForSessions({ kind: 'user', key: 'usr_1' }),
          );
          await delay(50);
        } finally {
          release.resolve();
        }
        expect(await rotation).toBe(true);
        expect(await revocation).toBe(1);
        expect(await tokenStatus(store, 'rt_1')).toBe('revoked');
        expect(await tokenStatus(store, 'rt_2')).toBe('revoked');
      });
    });

    describe('clients, API keys and signing keys', () => {
      it('stores clients and rejects a duplicate id with ERR_CONFLICT', async () => {
        const confidential = makeClient('cli_b', {
          type: 'confidential',
          secretHash: 'f'.repeat(64),
          grantTypes: ['client_credentials', 'authorization_code'],
          roles: ['scim'],
          createdAt: at(1),
          redirectUris: ['https://app.example/cb', 'http://127.0.0.1:8080/cb'],
          postLogoutRedirectUris: ['https://app.example/bye'],
          backchannelLogoutUri: 'https://app.example/bcl',
          backchannelLogoutSessionRequired: true,
          tokenEndpointAuthMethod: 'client_secret_post',
          consent: 'required',
        });
        const open = makeClient('cli_a', { createdAt: at(2) });
        await store.transaction((tx) => tx.clients.insert(confidential));
        await store.transaction((tx) => tx.clients.insert(open));
        expect(await store.read((r) => r.clients.findById(confidential.id))).toEqual(confidential);
        expect(await store.read((r) => r.clients.list())).toEqual([confidential, open]);
        await expectCode(
          store.transaction((tx) => tx.clients.insert(makeClient('cli_b'))),
          'ERR_CONFLICT',
        );
        expect(await store.read((r) => r.clients.findById(confidential.id))).toEqual(confidential);
      });

      it('stores API keys, finds them by hash and records their use', async () => {
        const key = makeApiKey('key_1', { scopes: ['feed:read', 'introspect'] });
        await store.transaction((tx) => tx.apiKeys.insert(key));
        await store.transaction((tx) =>
          tx.apiKeys.insert(makeApiKey('key_2', { createdAt: at(1), revokedAt: at(2) })),
        );
        expect(await store.read((r) => r.apiKeys.findByHash('hash-key_1'))).toEqual(key);
        expect(await store.read((r) => r.apiKeys.findByHash('hash-nope'))).toBeUndefined();
        await store.transaction((tx) => tx.apiKeys.touch(key.id, at(5000)));
        expect((await store.read((r) => r.apiKeys.findByHash('hash-key_1')))?.lastUsedAt).toEqual(at(5000));
        expect((await store.read((r) => r.apiKeys.list())).map((k) => [k.id, k.revokedAt])).toEqual([
          ['key_1', null],
          ['key_2', at(2)],
        ]);
      });

      it('keeps expiry and creator, moves last_used_at only forward, and revokes a key once', async () => {
        const key = makeApiKey('key_1', { expiresAt: at(9000), createdBy: { type: 'api_key', id: 'key_0' } });
        await store.transaction((tx) => tx.apiKeys.insert(key));
        await store.transaction((tx) => tx.apiKeys.insert(makeApiKey('key_legacy', { createdBy: null })));
        expect(await store.read((r) => r.apiKeys.findById(key.id))).toEqual(key);
        expect((await store.read((r) => r.apiKeys.findById('key_legacy' as ApiKeyId)))?.createdBy).toBeNull();
        expect(await store.read((r) => r.apiKeys.findById('key_nope' as ApiKeyId))).toBeUndefined();

        // Replicas flush in any order: an older time never overwrites a newer one.
        await store.transaction((tx) => tx.apiKeys.touch(key.id, at(5000)));
        await store.transaction((tx) => tx.apiKeys.touch(key.id, at(4000)));
        expect((await store.read((r) => r.apiKeys.findById(key.id)))?.lastUsedAt).toEqual(at(5000));

        expect(await store.transaction((tx) => tx.apiKeys.revoke(key.id, at(6000)))).toEqual({
          key: { ...key, lastUsedAt: at(5000), revokedAt: at(6000) },
          revokedNow: true,
        });
        const again = await store.transaction((tx) => tx.apiKeys.revoke(key.id, at(7000)));
        expect(again).toMatchObject({ revokedNow: false, key: { revokedAt: at(6000) } });
        expect(await store.read((r) => r.apiKeys.findByHash(key.keyHash))).toMatchObject({
          revokedAt: at(6000),
        });
        expect(
          await store.transaction((tx) => tx.apiKeys.revoke('key_nope' as ApiKeyId, at(7000))),
        ).toBeUndefined();
      });

      it('revokes a key exactly once under concurrent revocations', async () => {
        const key = makeApiKey('key_race');
        await store.transaction((tx) => tx.apiKeys.insert(key));
        const results = await Promise.all(
          Array.from({ length: 8 }, (_, index) =>
            store.transaction((tx) => tx.apiKeys.revoke(key.id, at(100 + index))),
          ),
        );
        expect(results.filter((result) => result?.revokedNow === true)).toHaveLength(1);
      });

      it('publishes current then previous keys, newest first, and demotes them', async () => {
        await store.transaction((tx) =>
          tx.signingKeys.insert(makeSigningKey('k_prev_old', 'previous', at(0))),
        );
        await store.transaction((tx) => tx.signingKeys.insert(makeSigningKey('k_retired', 'retired', at(5))));
        await store.transaction((tx) => tx.signingKeys.insert(makeSigningKey('k_current', 'current', at(2))));
        await store.transaction((tx) =>
          tx.signingKeys.insert(makeSigningKey('k_prev_new', 'previous', at(1))),
        );
        expect((await store.read((r) => r.signingKeys.listPublished())).map((k) => k.kid)).toEqual([
          'k_current',
          'k_prev_new',
          'k_prev_old',
        ]);
        expect((await store.read((r) => r.signingKeys.listPublished()))[0]).toEqual(
          makeSigningKey('k_current', 'current', at(2)),
        );

        await store.transaction((tx) => tx.signingKeys.demoteAll());
        await store.transaction((tx) => tx.signingKeys.insert(makeSigningKey('k_next', 'current', at(10))));
        expect(
          (await store.read((r) => r.signingKeys.listPublished())).map((k) => [k.kid, k.status]),
        ).toEqual([
          ['k_next', 'current'],
          ['k_current', 'previous'],
        ]);

        await store.transaction((tx) => tx.signingKeys.demoteAll());
        expect(
          (await store.read((r) => r.signingKeys.listPublished())).map((k) => [k.kid, k.status]),
        ).toEqual([['k_next', 'previous']]);
      });

      it('lists every key, retired ones too, and replaces a private key only if unchanged', async () => {
        await store.transaction((tx) => tx.signingKeys.insert(makeSigningKey('k_b', 'retired', at(5))));
        await store.transaction((tx) => tx.signingKeys.insert(makeSigningKey('k_a', 'current', at(1))));
        const [first, second] = await store.read((r) => r.signingKeys.listAll());
        expect([first?.kid, second?.kid]).toEqual(['k_a', 'k_b']);
        expect(
          await store.transaction((tx) =>
            tx.signingKeys.replacePrivateJwk('k_b', 'not-what-is-stored', 'sealed:x'),
          ),
        ).toBe(false);
        expect(
          await store.transaction((tx) =>
            tx.signingKeys.replacePrivateJwk('k_b', second!.privateJwk, 'sealed:x'),
          ),
        ).toBe(true);
        expect(await store.transaction((tx) => tx.signingKeys.replacePrivateJwk('k_missing', 'a', 'b'))).toBe(
          false,
        );
        expect((await store.read((r) => r.signingKeys.listAll())).map((k) => k.privateJwk)).toEqual([
          first!.privateJwk,
          'sealed:x',
        ]);
      });
    });

    describe('OpenID Connect state', () => {
      const request = {
        clientId: 'cli_rp' as ClientId,
        redirectUri: 'https://rp.example/cb',
        scope: 'openid email',
        state: 's',
        nonce: 'n',
        codeChallenge: 'c'.repeat(43),
        maxAgeSeconds: null,
        forceLogin: false,
      };
      const code = (
        hash: string,
        overrides: Partial<AuthorizationCodeRecord> = {},
      ): AuthorizationCodeRecord => ({
        codeHash: hash,
        clientId: 'cli_rp' as ClientId,
        redirectUri: 'https://rp.example/cb',
        codeChallenge: null,
        nonce: 'n-1',
        scope: 'openid',
        browserSessionId: sid('s_browser'),
        userId: uid('u_1'),
        createdAt: at(0),
        expiresAt: at(60_000),
        usedAt: null,
        issuedSessionId: null,
        ...overrides,
      });

      it('maps SSO cookies to sessions and forgets deleted ones', async () => {
        await store.transaction((tx) => tx.oidc.insertBrowserSession('h1', sid('s_1'), at(0)));
        expect(await store.read((r) => r.oidc.findBrowserSession('h1'))).toBe('s_1');
        expect(await store.read((r) => r.oidc.findBrowserSession('h2'))).toBeUndefined();
        await store.transaction((tx) => tx.oidc.deleteBrowserSession('h1'));
        expect(await store.read((r) => r.oidc.findBrowserSession('h1'))).toBeUndefined();
      });

      it('keeps login attempts until they expire, with CSRF hash and pending user updates', async () => {
        await store.transaction((tx) =>
          tx.oidc.insertLoginAttempt({
            idHash: 'a1',
            csrfHash: 'x1',
            request,
            userId: null,
            consentSessionId: null,
            expiresAt: at(1000),
          }),
        );
        expect(await store.read((r) => r.oidc.findLoginAttempt('a1', at(0)))).toEqual({
          idHash: 'a1',
          csrfHash: 'x1',
          request,
          userId: null,
          consentSessionId: null,
          expiresAt: at(1000),
        });
        expect(await store.read((r) => r.oidc.findLoginAttempt('a1', at(0)))).toEqual({
          idHash: 'a1',
          csrfHash: 'x1',
          request,
          userId: null,
          consentSessionId: null,
          expiresAt: at(1000),
        });
        await store.transaction((tx) =>
          tx.oidc.updateLoginAttempt('a1', { csrfHash: 'x2', userId: uid('u_9') }),
        );
        expect(await store.read((r) => r.oidc.findLoginAttempt('a1', at(999)))).toMatchObject({
          csrfHash: 'x2',
          userId: 'u_9',
          consentSessionId: null,
        });
        await store.transaction((tx) => tx.oidc.updateLoginAttempt('a1', { consentSessionId: sid('s_sso') }));
        expect(await store.read((r) => r.oidc.findLoginAttempt('a1', at(999)))).toMatchObject({
          userId: 'u_9',
          consentSessionId: 's_sso',
        });
        expect(await store.read((r) => r.oidc.findLoginAttempt('a1', at(1000)))).toBeUndefined();
        await store.transaction((tx) => tx.oidc.deleteLoginAttempt('a1'));
        expect(await store.read((r) => r.oidc.findLoginAttempt('a1', at(0)))).toBeUndefined();
      });

      it('lets exactly one of two concurrent claims of a code win', async () => {
        await store.transaction((tx) => tx.oidc.insertAuthorizationCode(code('c1')));
        expect(await store.read((r) => r.oidc.findAuthorizationCode('c1'))).toEqual(code('c1'));
        const claims = await Promise.all([
          store.transaction((tx) => tx.oidc.claimAuthorizationCode('c1', at(5))),
          store.transaction((tx) => tx.oidc.claimAuthorizationCode('c1', at(6))),
        ]);
        expect(claims.filter((claim) => claim !== undefined)).toHaveLength(1);
        await store.transaction((tx) => tx.oidc.setIssuedSession('c1', sid('s_rp')));
        const used = await store.read((r) => r.oidc.findAuthorizationCode('c1'));
        expect(used?.usedAt).not.toBeNull();
        expect(used?.issuedSessionId).toBe('s_rp');
        expect(await store.transaction((tx) => tx.oidc.claimAuthorizationCode('c1', at(7)))).toBeUndefined();
        expect(
          await store.transaction((tx) => tx.oidc.claimAuthorizationCode('unknown', at(7))),
        ).toBeUndefined();
      });

      it('lists the active sessions a selector covers whose client has a back-channel logout URI', async () => {
        await store.transaction((tx) => tx.users.insert(makeUser('u_1')));
        await store.transaction((tx) => tx.users.insert(makeUser('u_2')));
        await store.transaction((tx) =>
          tx.clients.insert(makeClient('c_bcl', { backchannelLogoutUri: 'https://rp.example/bcl' })),
        );
        await store.transaction((tx) => tx.clients.insert(makeClient('c_plain')));
        await store.transaction((tx) => tx.sessions.insert(makeSession('s_1', 'u_1', 'c_bcl')));
        await store.transaction((tx) => tx.sessions.insert(makeSession('s_2', 'u_1', 'c_plain')));
        await store.transaction((tx) =>
          tx.sessions.insert(makeSession('s_3', 'u_1', 'c_bcl', { status: 'revoked' })),
        );
        await store.transaction((tx) => tx.sessions.insert(makeSession('s_4', 'u_2', 'c_bcl')));
        expect(await store.read((r) => r.oidc.listBackchannelTargets({ kind: 'user', key: 'u_1' }))).toEqual([
          {
            sessionId: 's_1',
            userId: 'u_1',
            clientId: 'c_bcl',
            backchannelLogoutUri: 'https://rp.example/bcl',
          },
        ]);
        expect(
          (await store.read((r) => r.oidc.listBackchannelTargets({ kind: 'all', key: '*' }))).map(
            (target) => target.sessionId,
          ),
        ).toEqual(['s_1', 's_4']);
        expect(
          await store.read((r) => r.oidc.listBackchannelTargets({ kind: 'session', key: 's_2' })),
        ).toEqual([]);
      });

      it('purges expired codes and login attempts only', async () => {
        await store.transaction((tx) => tx.oidc.insertAuthorizationCode(code('old', { expiresAt: at(10) })));
        await store.transaction((tx) => tx.oidc.insertAuthorizationCode(code('new', { expiresAt: at(100) })));
        await store.transaction((tx) =>
          tx.oidc.insertLoginAttempt({
            idHash: 'a',
            csrfHash: 'x',
            request,
            userId: null,
            consentSessionId: null,
            expiresAt: at(10),
          }),
        );
        expect(await store.transaction((tx) => tx.oidc.purgeExpired(at(50)))).toBe(2);
        expect(await store.read((r) => r.oidc.findAuthorizationCode('old'))).toBeUndefined();
        expect(await store.read((r) => r.oidc.findAuthorizationCode('new'))).toBeDefined();
      });

      it("summarizes a client's back-channel logout deliveries from the outbox", async () => {
        await store.transaction((tx) => tx.clients.insert(makeClient('c_bcl')));
        const logout = (id: string, clientId: string, overrides: Partial<OutboxMessage> = {}) =>
          makeOutboxMessage(id, {
            kind: 'backchannel_logout',
            payload: { to: 'https://rp.example/bcl', client_id: clientId, jti: id },
            ...overrides,
          });
        await store.transaction((tx) =>
          tx.outbox.enqueue(logout('m1', 'c_bcl', { status: 'delivered', deliveredAt: at(5) })),
        );
        await store.transaction((tx) =>
          tx.outbox.enqueue(logout('m2', 'c_bcl', { status: 'delivered', deliveredAt: at(9) })),
        );
        await store.transaction((tx) =>
          tx.outbox.enqueue(
            logout('m3', 'c_bcl', { status: 'dead', lastError: 'HTTP 503', createdAt: at(20) }),
          ),
        );
        await store.transaction((tx) =>
          tx.outbox.enqueue(logout('m4', 'c_bcl', { lastError: 'ECONNREFUSED', createdAt: at(30) })),
        );
        await store.transaction((tx) => tx.outbox.enqueue(logout('m5', 'c_other')));
        await store.transaction((tx) =>
          tx.outbox.enqueue(makeOutboxMessage('m6', { payload: { client_id: 'c_bcl' } })),
        );
        expect(await store.transaction((tx) => tx.oidc.backchannelLogoutStatus(cid('c_bcl')))).toEqual({
          pending: 1,
          delivered: 2,
          dead: 1,
          lastError: 'ECONNREFUSED',
          lastDeliveredAt: at(9),
        });
        expect(await store.transaction((tx) => tx.oidc.backchannelLogoutStatus(cid('c_none')))).toEqual({
          pending: 0,
          delivered: 0,
          dead: 0,
          lastError: null,
          lastDeliveredAt: null,
        });
      });

      it('records an assertion jti once per client and purges it after it expires', async () => {
        expect(
          await store.transaction((tx) => tx.oidc.recordClientAssertion(cid('c_1'), 'j1', at(100))),
        ).toBe(true);
        expect(
          await store.transaction((tx) => tx.oidc.recordClientAssertion(cid('c_1'), 'j1', at(100))),
        ).toBe(false);
        // Another client may pick the same jti: it is unique per issuer (RFC 7523 3).
        expect(
          await store.transaction((tx) => tx.oidc.recordClientAssertion(cid('c_2'), 'j1', at(100))),
        ).toBe(true);
        expect(await store.transaction((tx) => tx.oidc.purgeExpired(at(99)))).toBe(0);
        expect(await store.transaction((tx) => tx.oidc.purgeExpired(at(100)))).toBe(2);
        expect(
          await store.transaction((tx) => tx.oidc.recordClientAssertion(cid('c_1'), 'j1', at(200))),
        ).toBe(true);
      });

      it('purges SSO cookie rows whose session ended (revoked or past its absolute lifetime) before the cut', async () => {
        await store.transaction((tx) => tx.users.insert(makeUser('u_1')));
        await store.transaction((tx) => tx.clients.insert(makeClient('cutoff')));
        await store.transaction((tx) =>
          tx.sessions.insert(makeSession('s_live', 'u_1', 'cutoff', { absoluteExpiresAt: at(1000) })),
        );
        await store.transaction((tx) =>
          tx.sessions.insert(makeSession('s_old', 'u_1', 'cutoff', { absoluteExpiresAt: at(10) })),
        );
        await store.transaction((tx) =>
          tx.sessions.insert(
            makeSession('s_cut', 'u_1', 'cutoff', {
              status: 'revoked',
              revokedAt: at(20),
              revokedReason: 'logout',
            }),
          ),
        );
        for (const id of ['s_live', 's_old', 's_cut'])
          await store.transaction((tx) => tx.oidc.insertBrowserSession(`h_${id}`, sid(id), at(0)));
        expect(await store.transaction((tx) => tx.oidc.purgeExpired(at(50)))).toBe(2);
        expect(await store.read((r) => r.oidc.findBrowserSession('h_s_live'))).toBe('s_live');
        expect(await store.read((r) => r.oidc.findBrowserSession('h_s_old'))).toBeUndefined();
        expect(await store.read((r) => r.oidc.findBrowserSession('h_s_cut'))).toBeUndefined();
      });

      it('remembers one consent grant per user and client, replaces it, and forgets by user, client or all', async () => {
        const grant = (user: string, client: string, scope: string) => ({
          userId: uid(user),
          clientId: cid(client),
          scope,
          createdAt: at(0),
        });
        await store.transaction((tx) => tx.oidc.saveConsentGrant(grant('u_1', 'c_1', 'openid')));
        await store.transaction((tx) => tx.oidc.saveConsentGrant(grant('u_1', 'c_1', 'email openid')));
        await store.transaction((tx) => tx.oidc.saveConsentGrant(grant('u_1', 'c_2', 'openid')));
        await store.transaction((tx) => tx.oidc.saveConsentGrant(grant('u_2', 'c_1', 'openid')));
        await store.transaction((tx) => tx.oidc.saveConsentGrant(grant('u_3', 'c_3', 'openid')));
        expect(await store.read((r) => r.oidc.findConsentGrant(uid('u_1'), cid('c_1')))).toEqual(
          grant('u_1', 'c_1', 'email openid'),
        );
        expect(await store.read((r) => r.oidc.findConsentGrant(uid('u_9'), cid('c_1')))).toBeUndefined();
        expect(
          await store.transaction((tx) => tx.oidc.deleteConsentGrants({ kind: 'client', id: cid('c_1') })),
        ).toBe(2);
        expect(await store.read((r) => r.oidc.findConsentGrant(uid('u_1'), cid('c_2')))).toBeDefined();
        expect(
          await store.transaction((tx) => tx.oidc.deleteConsentGrants({ kind: 'user', id: uid('u_1') })),
        ).toBe(1);
        expect(await store.transaction((tx) => tx.oidc.deleteConsentGrants({ kind: 'all' }))).toBe(1);
        expect(await store.read((r) => r.oidc.findConsentGrant(uid('u_3'), cid('c_3')))).toBeUndefined();
      });
    });

    describe('revocations', () => {
      it('appends with increasing seqs and reports the head', async () => {
        expect(await store.read((r) => r.revocations.head())).toBe(0);
        const first = await store.transaction((tx) =>
          tx.revocations.append(makeRevocation('rev_1', { note: 'ticket 42' })),
        );
        const second = await store.transaction((tx) =>
          tx.revocations.append(
            makeRevocation('rev_2', { kind: 'all', key: '*', actor: { type: 'system', id: 'siem' } }),
          ),
        );
        expect(first).toEqual({ ...makeRevocation('rev_1', { note: 'ticket 42' }), seq: 1 });
        expect(second.seq).toBe(2);
        expect(await store.read((r) => r.revocations.head())).toBe(2);
        expect(await store.read((r) => r.revocations.findById('rev_2' as RevocationId))).toEqual(second);
        expect(
          await store.read((r) => r.revocations.findById('rev_missing' as RevocationId)),
        ).toBeUndefined();
      });

      it('lists live entries after a seq, oldest first, up to a limit', async () => {
        const now = T0_SECONDS + 1000;
        const expiries = [now + 60, now, now - 1, now + 1, now + 900];
        for (const [index, expiresAt] of expiries.entries()) {
          await store.transaction((tx) =>
            tx.revocations.append(makeRevocation(`rev_${index + 1}`, { expiresAt })),
          );
        }
        const seqs = async (after: number, limit: number): Promise<number[]> =>
          (await store.read((r) => r.revocations.listLive(after, now, limit))).map((entry) => entry.seq);
        expect(await seqs(0, 100)).toEqual([1, 4, 5]);
        expect(await seqs(1, 100)).toEqual([4, 5]);
        expect(await seqs(0, 2)).toEqual([1, 4]);
        expect(await seqs(5, 100)).toEqual([]);
        // Expired entries still count for the head.
        expect(await store.read((r) => r.revocations.head())).toBe(5);
      });

      it('gives parallel transactions gapless seqs in commit order', async () => {
        const appended = await Promise.all(
          Array.from({ length: 20 }, (_, index) =>
            store.transaction(async (tx) => {
              await tx.sessions.countActive({ kind: 'all', key: '*' });
              const entry = await tx.revocations.append(makeRevocation(`rev_${index}`));
              await tx.audit.append(makeAuditEvent({ details: { revocation_seq: entry.seq } }));
              await delay(index % 3);
              return entry;
            }),
          ),
        );
        const expected = Array.from({ length: 20 }, (_, index) => index + 1);
        expect(appended.map((entry) => entry.seq).sort((a, b) => a - b)).toEqual(expected);
        const live = await store.read((r) => r.revocations.listLive(0, T0_SECONDS, 100));
        expect(live.map((entry) => entry.seq)).toEqual(expected);
        expect(live).toEqual([...appended].sort((a, b) => a.seq - b.seq));
        expect(await store.read((r) => r.revocations.head())).toBe(20);
        // Each audit event was appended under the same lock, right after its revocation.
        const events = await store.read((r) => r.audit.scan(0, 100));
        expect(events.map((event) => event.details?.['revocation_seq'])).toEqual(expected);
        expect((await verifyChain(store)).ok).toBe(true);
      });

      it('never lets a later seq commit before an earlier one', async () => {
        const firstAppended = deferred();
        const releaseFirst = deferred();
        const first = store.transaction(async (tx) => {
          const entry = await tx.revocations.append(makeRevocation('rev_a'));
          firstAppended.resolve();
          await releaseFirst.promise;
          return entry;
        });
        let secondDone = false;
        let second: Promise<RevocationRecord> | undefined;
        try {
          await Promise.race([firstAppended.promise, first]);
          second = store
            .transaction((tx) => tx.revocations.append(makeRevocation('rev_b')))
            .then((entry) => {
              secondDone = true;
              return entry;
            });
          await delay(100);
          expect(secondDone).toBe(false);
        } finally {
          releaseFirst.resolve();
        }
        const [a, b] = await Promise.all([first, second]);
        expect(b.seq).toBe(a.seq + 1);
        expect((await store.read((r) => r.revocations.listLive(0, 0, 10))).map((entry) => entry.id)).toEqual([
          'rev_a',
          'rev_b',
        ]);
      });
    });

    describe('audit', () => {
      it('chains events from the genesis hash and returns what it stored', async () => {
        const input = makeAuditEvent();
        const first = await store.transaction((tx) => tx.audit.append(input));
        const second = await store.transaction((tx) =>
          tx.audit.append(makeAuditEvent({ target: null, counts: null, details: null })),
        );
        expect(first).toMatchObject({ ...input, seq: 1, prevHash: GENESIS_HASH });
        expect(first.hash).toMatch(/^[0-9a-f]{64}$/);
        expect(second).toMatchObject({
          seq: 2,
          prevHash: first.hash,
          target: null,
          counts: null,
          details: null,
        });
        expect(await store.read((r) => r.audit.scan(0, 10))).toEqual([first, second]);
        expect(await verifyChain(store)).toEqual({
          ok: true,
          count: 2,
          headHash: second.hash,
          brokenAt: null,
        });
      });

      it('keeps the chain valid under concurrent appends, in and out of transactions', async () => {
        const appended = await Promise.all(
          Array.from({ length: 20 }, (_, index) =>
            index % 2 === 0
              ? store.transaction((tx) => tx.audit.append(makeAuditEvent({ details: { index } })))
              : store.transaction(async (tx) => {
                  await tx.users.findById(uid('usr_1'));
                  return tx.audit.append(makeAuditEvent({ details: { index } }));
                }),
          ),
        );
        expect(appended.map((event) => event.seq).sort((a, b) => a - b)).toEqual(
          Array.from({ length: 20 }, (_, index) => index + 1),
        );
        const scanned = await store.read((r) => r.audit.scan(0, 100));
        expect(scanned).toEqual([...appended].sort((a, b) => a.seq - b.seq));
        expect(await verifyChain(store)).toMatchObject({ ok: true, count: 20, brokenAt: null });
      });

      it('detects a tampered or deleted event', async () => {
        for (let index = 0; index < 6; index += 1)
          await store.transaction((tx) => tx.audit.append(makeAuditEvent({ details: { index } })));
        expect((await verifyChain(store)).ok).toBe(true);

        const db = kyselyOf(store);
        const row = await db
          .selectFrom('audit_events')
          .select('data')
          .where('seq', '=', 4)
          .executeTakeFirstOrThrow();
        const data = JSON.parse(row.data) as Record<string, unknown>;
        await db
          .updateTable('audit_events')
          .set({ data: JSON.stringify({ ...data, reason: 'manual' }) })
          .where('seq', '=', 4)
          .execute();
        expect(await verifyChain(store)).toMatchObject({ ok: false, count: 6, brokenAt: 4 });

        await db.updateTable('audit_events').set({ data: row.data }).where('seq', '=', 4).execute();
        expect((await verifyChain(store)).ok).toBe(true);
        await db.deleteFrom('audit_events').where('seq', '=', 2).execute();
        expect(await verifyChain(store)).toMatchObject({ ok: false, brokenAt: 3 });
      });

      it('filters by action, actor, target, time and seq, in seq order', async () => {
        const events = [
          makeAuditEvent({ action: 'user.revoked', target: { type: 'user', id: 'usr_1' }, ts: at(0) }),
          makeAuditEvent({
            action: 'group.revoked',
            actor: { type: 'system', id: 'hris' },
            target: { type: 'group', id: 'eng' },
            ts: at(1000),
          }),
          makeAuditEvent({ action: 'user.revoked', target: { type: 'user', id: 'usr_2' }, ts: at(2000) }),
          makeAuditEvent({
            action: 'session.revoked',
            target: { type: 'session', id: 'usr_1' },
            ts: at(3000),
          }),
          makeAuditEvent({ action: 'key.rotated', target: null, ts: at(4000) }),
        ];
        for (const event of events) await store.transaction((tx) => tx.audit.append(event));
        const seqs = async (query: Parameters<StoreTx['audit']['list']>[0]): Promise<number[]> =>
          (await store.read((r) => r.audit.list(query))).map((event: AuditEventRecord) => event.seq);

        expect(await seqs({ limit: 10 })).toEqual([1, 2, 3, 4, 5]);
        expect(await seqs({ limit: 2 })).toEqual([1, 2]);
        expect(await seqs({ limit: 10, afterSeq: 3 })).toEqual([4, 5]);
        expect(await seqs({ limit: 10, action: 'user.revoked' })).toEqual([1, 3]);
        expect(await seqs({ limit: 10, actorId: 'hris' })).toEqual([2]);
        expect(await seqs({ limit: 10, target: 'usr_1' })).toEqual([1, 4]);
        expect(await seqs({ limit: 10, target: 'user:usr_1' })).toEqual([1]);
        expect(await seqs({ limit: 10, target: 'group:eng' })).toEqual([2]);
        expect(await seqs({ limit: 10, target: 'user:eng' })).toEqual([]);
        expect(await seqs({ limit: 10, since: at(1000), until: at(3000) })).toEqual([2, 3, 4]);
        expect(await seqs({ limit: 10, since: at(1001) })).toEqual([3, 4, 5]);
        expect(await seqs({ limit: 10, until: at(2000) })).toEqual([1, 2, 3]);
        expect(await seqs({ limit: 10, until: at(1999) })).toEqual([1, 2]);
        expect(await seqs({ limit: 10, until: at(-1) })).toEqual([]);
        expect(await seqs({ limit: 10, action: 'user.revoked', since: at(1), actorId: 'adm_1' })).toEqual([
          3,
        ]);
      });
    });

    describeBusinessEventsConformance(() => store);
    describeCanaryConformance(() => store);
    describeDestinationConformance(() => store);
    describeCommitConformance(() => store);
    describeSsfTransmitterConformance(() => store);

    describe('scale', () => {
      it('revokes a group of 2,000 users with 10 sessions each, and nobody else', async () => {
        const members = 2_000;
        const outsiders = 50;
        const sessionsPerUser = 10;
        const users = Array.from({ length: members + outsiders }, (_, u) =>
          makeUser(`usr_${String(u).padStart(5, '0')}`, {
            groups: u < members ? ['big', `team_${u % 7}`] : ['small'],
            roles: ['staff'],
          }),
        );
        const sessions = users.flatMap((user) =>
          Array.from({ length: sessionsPerUser }, (_, s) =>
            makeSession(`ses_${user.id}_${s}`, user.id, `c${s % 3}`),
          ),
        );
        // One refresh token per user, on its first session.
        const refreshTokens = users.map((user) => makeRefreshToken(`rt_${user.id}`, `ses_${user.id}_0`));
        await seedInBulk(store, { users, sessions, refreshTokens });
        const group: SessionSelector = { kind: 'group', key: 'big' };
        expect(await store.read((r) => r.sessions.countActive(group))).toBe(members * sessionsPerUser);
        expect(await store.read((r) => r.refreshTokens.countActiveForSessions(group))).toBe(members);

        // How fast this is belongs to `npm run bench` (revoke-time), not to this test.
        const counts = await store.transaction(async (tx) => ({
          sessions: await tx.sessions.revoke(group, at(1000), 'offboarding'),
          tokens: await tx.refreshTokens.revokeForSessions(group),
        }));

        expect(counts).toEqual({ sessions: members * sessionsPerUser, tokens: members });
        expect(await store.read((r) => r.sessions.countActive(group))).toBe(0);
        expect(await store.read((r) => r.sessions.countActive({ kind: 'group', key: 'small' }))).toBe(
          outsiders * sessionsPerUser,
        );
        expect(await store.read((r) => r.sessions.countActive({ kind: 'all', key: '*' }))).toBe(
          outsiders * sessionsPerUser,
        );
        expect(
          await store.read((r) => r.refreshTokens.countActiveForSessions({ kind: 'all', key: '*' })),
        ).toBe(outsiders);
        const oneUser: SessionSelector = { kind: 'user', key: 'usr_00042' };
        expect(await store.read((r) => r.sessions.countActive(oneUser))).toBe(0);
        expect(
          (await store.read((r) => r.sessions.listByUser(uid('usr_00042')))).every(
            (s) => s.status === 'revoked',
          ),
        ).toBe(true);
      });
    });
  });
};
