import type { Kysely, Migration } from 'kysely';
import type { StoreDialect } from '../schema.js';
import { columnTypes } from './column-types.js';

export const initial = (dialect: StoreDialect): Migration => ({
  async up(db: Kysely<unknown>): Promise<void> {
    const t = columnTypes(dialect);
    const schema = db.schema;

    await schema
      .createTable('users')
      .ifNotExists()
      .addColumn('id', t.key, (c) => c.primaryKey())
      .addColumn('username', t.key, (c) => c.notNull().unique())
      .addColumn('email', 'text')
      .addColumn('password_hash', 'text')
      .addColumn('roles', 'text', (c) => c.notNull())
      .addColumn('groups', 'text', (c) => c.notNull())
      .addColumn('active', t.flag, (c) => c.notNull())
      .addColumn('totp_secret', 'text')
      .addColumn('mfa_required', t.flag, (c) => c.notNull())
      .addColumn('created_at', t.millis, (c) => c.notNull())
      .addColumn('updated_at', t.millis, (c) => c.notNull())
      .execute();

    await schema
      .createTable('user_roles')
      .ifNotExists()
      .addColumn('user_id', t.key, (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('role', t.key, (c) => c.notNull())
      .addPrimaryKeyConstraint('user_roles_pkey', ['user_id', 'role'])
      .execute();
    await schema
      .createIndex('user_roles_role_idx')
      .ifNotExists()
      .on('user_roles')
      .columns(['role', 'user_id'])
      .execute();

    await schema
      .createTable('user_groups')
      .ifNotExists()
      .addColumn('user_id', t.key, (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('group_name', t.key, (c) => c.notNull())
      .addPrimaryKeyConstraint('user_groups_pkey', ['user_id', 'group_name'])
      .execute();
    await schema
      .createIndex('user_groups_group_idx')
      .ifNotExists()
      .on('user_groups')
      .columns(['group_name', 'user_id'])
      .execute();

    await schema
      .createTable('clients')
      .ifNotExists()
      .addColumn('id', t.key, (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('secret_hash', 'text')
      .addColumn('grant_types', 'text', (c) => c.notNull())
      .addColumn('roles', 'text', (c) => c.notNull())
      .addColumn('created_at', t.millis, (c) => c.notNull())
      .execute();

    // client_id carries no foreign key: sessions may belong to built-in clients (the console)
    // that are configured rather than registered.
    await schema
      .createTable('sessions')
      .ifNotExists()
      .addColumn('id', t.key, (c) => c.primaryKey())
      .addColumn('user_id', t.key, (c) => c.notNull().references('users.id'))
      .addColumn('client_id', t.key, (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('created_at', t.millis, (c) => c.notNull())
      .addColumn('last_seen_at', t.millis, (c) => c.notNull())
      .addColumn('idle_expires_at', t.millis, (c) => c.notNull())
      .addColumn('absolute_expires_at', t.millis, (c) => c.notNull())
      .addColumn('ip', 'text')
      .addColumn('user_agent', 'text')
      .addColumn('amr', 'text', (c) => c.notNull())
      .addColumn('revoked_at', t.millis)
      .addColumn('revoked_reason', 'text')
      .execute();
    await schema
      .createIndex('sessions_user_status_idx')
      .ifNotExists()
      .on('sessions')
      .columns(['user_id', 'status'])
      .execute();
    await schema
      .createIndex('sessions_client_status_idx')
      .ifNotExists()
      .on('sessions')
      .columns(['client_id', 'status'])
      .execute();

    await schema
      .createTable('refresh_tokens')
      .ifNotExists()
      .addColumn('id', t.key, (c) => c.primaryKey())
      .addColumn('session_id', t.key, (c) => c.notNull().references('sessions.id').onDelete('cascade'))
      .addColumn('token_hash', t.key, (c) => c.notNull().unique())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('created_at', t.millis, (c) => c.notNull())
      .addColumn('rotated_at', t.millis)
      .addColumn('expires_at', t.millis, (c) => c.notNull())
      .execute();
    await schema
      .createIndex('refresh_tokens_session_status_idx')
      .ifNotExists()
      .on('refresh_tokens')
      .columns(['session_id', 'status'])
      .execute();

    await schema
      .createTable('api_keys')
      .ifNotExists()
      .addColumn('id', t.key, (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('key_hash', t.key, (c) => c.notNull().unique())
      .addColumn('scopes', 'text', (c) => c.notNull())
      .addColumn('created_at', t.millis, (c) => c.notNull())
      .addColumn('last_used_at', t.millis)
      .addColumn('revoked_at', t.millis)
      .execute();

    await schema
      .createTable('signing_keys')
      .ifNotExists()
      .addColumn('kid', t.key, (c) => c.primaryKey())
      .addColumn('alg', 'text', (c) => c.notNull())
      .addColumn('private_jwk', 'text', (c) => c.notNull())
      .addColumn('public_jwk', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('created_at', t.millis, (c) => c.notNull())
      .execute();
    await schema
      .createIndex('signing_keys_status_idx')
      .ifNotExists()
      .on('signing_keys')
      .columns(['status', 'created_at'])
      .execute();

    // seq comes from the table itself, but only ever while the append lock is held, so the
    // order of seqs is the order of commits.
    await schema
      .createTable('revocations')
      .ifNotExists()
      .addColumn('seq', dialect === 'postgres' ? 'bigint' : 'integer', (c) =>
        dialect === 'postgres' ? c.primaryKey().generatedAlwaysAsIdentity() : c.primaryKey().autoIncrement(),
      )
      .addColumn('id', t.key, (c) => c.notNull().unique())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('key', 'text', (c) => c.notNull())
      .addColumn('at', t.seconds, (c) => c.notNull())
      .addColumn('expires_at', t.seconds, (c) => c.notNull())
      .addColumn('reason', 'text', (c) => c.notNull())
      .addColumn('note', 'text')
      .addColumn('actor_type', 'text', (c) => c.notNull())
      .addColumn('actor_id', 'text', (c) => c.notNull())
      .addColumn('created_at', t.millis, (c) => c.notNull())
      .execute();

    await schema
      .createTable('audit_events')
      .ifNotExists()
      .addColumn('seq', 'bigint', (c) => c.primaryKey())
      .addColumn('ts', t.millis, (c) => c.notNull())
      .addColumn('action', 'text', (c) => c.notNull())
      .addColumn('actor_type', 'text', (c) => c.notNull())
      .addColumn('actor_id', 'text', (c) => c.notNull())
      .addColumn('target_type', 'text')
      .addColumn('target_id', 'text')
      .addColumn('data', 'text', (c) => c.notNull())
      .addColumn('prev_hash', 'text', (c) => c.notNull())
      .addColumn('hash', 'text', (c) => c.notNull())
      .execute();
    for (const column of ['action', 'actor_id', 'target_id', 'ts'] as const) {
      await schema
        .createIndex(`audit_events_${column}_idx`)
        .ifNotExists()
        .on('audit_events')
        .columns([column, 'seq'])
        .execute();
    }
  },
});
