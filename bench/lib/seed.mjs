import { createHash, randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import {
  refreshTokenToRow,
  sessionToRow,
  userToRow,
} from '../../packages/server/dist/adapters/storage/row-mapping.js';

/*
 * Bulk seeding straight into the store (the approach of packages/server/test/support/stores.ts
 * `seedInBulk`): multi-row INSERTs in one transaction, rows built by the server's own row
 * mapping. Creating 100,000 sessions through the login endpoint would take half an hour of argon2.
 */

const id = (prefix) => `${prefix}_${randomBytes(16).toString('base64url')}`;

const DAY_MS = 86_400_000;

export const benchUser = (username, { groups = [], roles = [] } = {}, now = new Date()) => ({
  id: id('usr'),
  username,
  email: null,
  passwordHash: null,
  roles,
  groups,
  active: true,
  totpSecret: null,
  mfaRequired: false,
  createdAt: now,
  updatedAt: now,
});

/** An active session of `user`, and its one active refresh token. */
export const benchSession = (user, now = new Date()) => {
  const session = {
    id: id('ses'),
    userId: user.id,
    clientId: 'cutoff',
    status: 'active',
    createdAt: now,
    lastSeenAt: now,
    idleExpiresAt: new Date(now.getTime() + 7 * DAY_MS),
    absoluteExpiresAt: new Date(now.getTime() + 30 * DAY_MS),
    ip: '127.0.0.1',
    userAgent: 'cutoff-bench',
    amr: ['pwd'],
    revokedAt: null,
    revokedReason: null,
  };
  const refreshToken = {
    id: id('rt'),
    sessionId: session.id,
    tokenHash: createHash('sha256').update(randomBytes(32)).digest('hex'),
    status: 'active',
    createdAt: now,
    rotatedAt: null,
    expiresAt: session.absoluteExpiresAt,
  };
  return { session, refreshToken };
};

function* chunks(items, size) {
  for (let start = 0; start < items.length; start += size) yield items.slice(start, start + size);
}

/** The Kysely handle behind a KyselyStore (what the test support's `kyselyOf` reads). */
const kyselyOf = (store) => {
  const db = store.kysely;
  if (db === undefined) throw new TypeError('bulk seeding needs a KyselyStore');
  return db;
};

/** Writes users (with their role and group rows), sessions and refresh tokens in one transaction. */
export const seedInBulk = async (
  store,
  { users = [], sessions = [], refreshTokens = [] },
  chunkSize = 500,
) => {
  await kyselyOf(store)
    .transaction()
    .execute(async (trx) => {
      for (const chunk of chunks(users, chunkSize))
        await trx.insertInto('users').values(chunk.map(userToRow)).execute();
      const roles = users.flatMap((user) =>
        [...new Set(user.roles)].map((role) => ({ user_id: user.id, role })),
      );
      for (const chunk of chunks(roles, chunkSize))
        await trx.insertInto('user_roles').values(chunk).execute();
      const groups = users.flatMap((user) =>
        [...new Set(user.groups)].map((group) => ({ user_id: user.id, group_name: group })),
      );
      for (const chunk of chunks(groups, chunkSize))
        await trx.insertInto('user_groups').values(chunk).execute();
      for (const chunk of chunks(sessions, chunkSize))
        await trx.insertInto('sessions').values(chunk.map(sessionToRow)).execute();
      for (const chunk of chunks(refreshTokens, chunkSize))
        await trx.insertInto('refresh_tokens').values(chunk.map(refreshTokenToRow)).execute();
    });
};

/** Refreshes the planner statistics, as autovacuum would shortly after a bulk load (PostgreSQL only). */
export const analyze = async (store, backend) => {
  if (backend === 'postgres')
    await sql`analyze users, user_roles, user_groups, sessions, refresh_tokens`.execute(kyselyOf(store));
};
