import { sql } from 'kysely';
import { expect } from 'vitest';
import { createMigrator } from '../../src/adapters/storage/migrations/index.js';
import { sessionToRow } from '../../src/adapters/storage/row-mapping.js';
import type { SessionId, UserId } from '../../src/domain/ids.js';
import type { Store } from '../../src/ports/storage/store.js';
import { kyselyOf } from '../support/stores.js';
import { at, makeRefreshToken, makeSession, makeUser } from './fixtures.js';

/** The indexes of sessions and refresh_tokens, by name (primary and unique keys left out). */
const revocationIndexNames = async (store: Store): Promise<string[]> => {
  const db = kyselyOf(store);
  const rows =
    store.dialect === 'postgres'
      ? (
          await sql<{ name: string }>`select indexname as name from pg_indexes
            where schemaname = current_schema() and tablename in ('sessions', 'refresh_tokens')
            and indexname not like '%_pkey' and indexname not like '%_key'`.execute(db)
        ).rows
      : (
          await sql<{ name: string }>`select name from sqlite_master
            where type = 'index' and tbl_name in ('sessions', 'refresh_tokens')
            and name not like 'sqlite_autoindex_%'`.execute(db)
        ).rows;
  return rows.map(({ name }) => name).sort();
};

/**
 * Takes an unmigrated store to 0002_business_events, writes users, sessions and refresh tokens
 * the way that release did, then runs `migrate()`: every row must survive, the indexes that
 * included `status` must be replaced, and revocations must count and change exactly as before.
 */
export const checkUpgradeToRevocationIndexes = async (store: Store, schema?: string): Promise<void> => {
  const db = kyselyOf(store);
  if (schema !== undefined) await sql`create schema if not exists ${sql.id(schema)}`.execute(db);
  const migrator = createMigrator(db, store.dialect, schema);
  const { error } = await migrator.migrateTo('0002_business_events');
  expect(error).toBeUndefined();
  expect(await revocationIndexNames(store)).toEqual([
    'refresh_tokens_session_status_idx',
    'sessions_client_status_idx',
    'sessions_user_status_idx',
  ]);

  const users = [makeUser('usr_1', { groups: ['eng'] }), makeUser('usr_2')];
  const sessions = [
    makeSession('ses_1', 'usr_1', 'c1'),
    makeSession('ses_2', 'usr_1', 'c2', { status: 'ended' }),
    makeSession('ses_3', 'usr_2', 'c1'),
  ];
  const tokens = [
    makeRefreshToken('rt_1', 'ses_1'),
    makeRefreshToken('rt_2', 'ses_1', { status: 'rotated', rotatedAt: at(1000) }),
    makeRefreshToken('rt_3', 'ses_2'),
    makeRefreshToken('rt_4', 'ses_3'),
  ];
  // Users as that release wrote them (today's columns did not exist yet).
  for (const user of users) {
    await sql`insert into users (id, username, email, password_hash, roles, groups, active, totp_secret,
      mfa_required, created_at, updated_at, external_id, display_name, given_name, family_name)
      values (${user.id}, ${user.username}, ${user.email}, null, '[]', ${JSON.stringify(user.groups)}, 1, null,
      0, ${user.createdAt.getTime()}, ${user.updatedAt.getTime()}, null, null, null, null)`.execute(db);
    for (const group of user.groups) {
      await sql`insert into user_groups (user_id, group_name) values (${user.id}, ${group})`.execute(db);
    }
  }
  // Sessions as that release wrote them: without the columns later migrations added (`scope`, `auth_time`).
  for (const session of sessions) {
    const { scope, auth_time: authTime, ...row } = sessionToRow(session);
    expect([scope, authTime]).toEqual([null, null]);
    await db.insertInto('sessions').values(row).execute();
  }
  await store.transaction(async (tx) => {
    for (const token of tokens) await tx.refreshTokens.insert(token);
  });

  await store.migrate();
  expect(await revocationIndexNames(store)).toEqual([
    'refresh_tokens_session_idx',
    'sessions_client_idx',
    'sessions_user_idx',
  ]);
  if (store.dialect === 'postgres') {
    const options = await sql<{ table: string; options: string[] | null }>`select relname as table,
      reloptions as options from pg_class where relnamespace = current_schema()::regnamespace
      and relname in ('sessions', 'refresh_tokens') order by relname`.execute(db);
    expect(options.rows).toEqual([
      { table: 'refresh_tokens', options: ['fillfactor=50'] },
      { table: 'sessions', options: ['fillfactor=50'] },
    ]);
  }

  for (const user of users) expect(await store.read((r) => r.users.findById(user.id))).toEqual(user);
  for (const session of sessions)
    expect(await store.read((r) => r.sessions.findById(session.id))).toEqual(session);
  for (const token of tokens)
    expect(await store.read((r) => r.refreshTokens.findByHash(token.tokenHash))).toEqual(token);
  expect(await store.read((r) => r.sessions.listByUser('usr_1' as UserId))).toHaveLength(2);

  const user = { kind: 'user', key: 'usr_1' } as const;
  expect(await store.read((r) => r.sessions.countActive(user))).toBe(1);
  expect(await store.read((r) => r.refreshTokens.countActiveForSessions(user))).toBe(2);
  const counts = await store.transaction(async (tx) => ({
    sessions: await tx.sessions.revoke(user, at(5000), 'offboarding'),
    tokens: await tx.refreshTokens.revokeForSessions(user),
  }));
  expect(counts).toEqual({ sessions: 1, tokens: 2 });
  expect((await store.read((r) => r.sessions.findById('ses_1' as SessionId)))?.status).toBe('revoked');
  expect((await store.read((r) => r.sessions.findById('ses_2' as SessionId)))?.status).toBe('ended');
  for (const id of ['rt_1', 'rt_2', 'rt_3'])
    expect((await store.read((r) => r.refreshTokens.findByHash(`hash-${id}`)))?.status).toBe('revoked');
  // The other user is untouched.
  expect(await store.read((r) => r.sessions.countActive({ kind: 'client', key: 'c1' }))).toBe(1);
  expect(await store.read((r) => r.refreshTokens.countActiveForSessions({ kind: 'all', key: '*' }))).toBe(1);
  // A user still deletes with its sessions and tokens.
  expect(await store.transaction((tx) => tx.users.delete('usr_2' as UserId))).toBe(true);
  expect(await store.read((r) => r.refreshTokens.findByHash('hash-rt_4'))).toBeUndefined();
};
