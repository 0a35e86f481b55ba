import { Migrator, sql } from 'kysely';
import type { DatabaseIntrospector, Kysely, Migration, MigrationProvider, TableMetadata } from 'kysely';
import type { Database, StoreDialect } from '../schema.js';
import { initial } from './0001_initial.js';
import { businessEvents } from './0002_business_events.js';
import { revocationIndexes } from './0003_revocation_indexes.js';
import { totpReplay } from './0004_totp_replay.js';
import { usersEmailIndex } from './0005_users_email_index.js';
import { loginFailures } from './0006_login_failures.js';
import { identity } from './0007_identity.js';
import { apiKeyLifecycle } from './0008_api_key_lifecycle.js';
import { groupMemberDeactivation } from './0009_group_member_deactivation.js';
import { canary } from './0010_canary.js';
import { oidcClients } from './0011_oidc_clients.js';
import { destinations } from './0012_destinations.js';
import { ssfReceiver } from './0013_ssf_receiver.js';
import { ssoConsent } from './0014_sso_consent.js';

/** Session-level advisory lock held around migrations on PostgreSQL (one per database). */
const MIGRATION_LOCK_KEY = '4432117101000002';

/** The migrations, in order. Names sort lexically; never rename or edit a released one. */
const migrationsFor = (dialect: StoreDialect): Record<string, Migration> => ({
  '0001_initial': initial(dialect),
  '0002_business_events': businessEvents(dialect),
  '0003_revocation_indexes': revocationIndexes(dialect),
  '0004_totp_replay': totpReplay(dialect),
  '0005_users_email_index': usersEmailIndex(),
  '0006_login_failures': loginFailures(dialect),
  '0007_identity': identity(dialect),
  '0008_api_key_lifecycle': apiKeyLifecycle(dialect),
  '0009_group_member_deactivation': groupMemberDeactivation(),
  '0010_canary': canary(dialect),
  '0011_oidc_clients': oidcClients(dialect),
  '0012_destinations': destinations(dialect),
  '0013_ssf_receiver': ssfReceiver(dialect),
  '0014_sso_consent': ssoConsent(dialect),
});

/** Every migration of a dialect. */
const providerFor = (dialect: StoreDialect): MigrationProvider => ({
  getMigrations: () => Promise.resolve(migrationsFor(dialect)),
});

/**
 * The handle given to Kysely's migrator on PostgreSQL. The migrator finds its own tables through
 * `introspection.getTables()`, which reads the catalog of every schema and fails with "schema ...
 * does not exist" when anyone drops some other schema at that moment (reproduced: 7 of 10
 * migrations failed while another client created and dropped schemas). Here that lookup reads
 * only the schema being migrated; everything else is the real handle.
 */
const withSchemaScopedTableLookup = (db: Kysely<Database>, schema: string): Kysely<Database> => {
  const introspection = {
    getSchemas: () => db.introspection.getSchemas(),
    getMetadata: () => Promise.reject(new Error('not available during migrations')),
    getTables: async (): Promise<TableMetadata[]> => {
      const tables = await sql<{ name: string }>`
        select table_name as name from information_schema.tables where table_schema = ${schema}`.execute(db);
      return tables.rows.map((table) => ({ name: table.name, schema, isView: false, columns: [] }));
    },
  } satisfies DatabaseIntrospector;
  return new Proxy(db, {
    get: (target, property) => {
      if (property === 'introspection') return introspection;
      // Kysely's methods use private fields: call them on the real handle, not on the proxy.
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
};

/**
 * Kysely's migrator over these migrations (upgrade tests stop it at an older one); on PostgreSQL,
 * `schema` is the one being migrated.
 */
export const createMigrator = (db: Kysely<Database>, dialect: StoreDialect, schema?: string): Migrator =>
  new Migrator({
    db: schema === undefined ? db : withSchemaScopedTableLookup(db, schema),
    provider: providerFor(dialect),
    ...(schema === undefined ? {} : { migrationTableSchema: schema }),
  });

const runMigrator = async (db: Kysely<Database>, dialect: StoreDialect, schema?: string): Promise<void> => {
  const { error } = await createMigrator(db, dialect, schema).migrateToLatest();
  if (error !== undefined)
    throw error instanceof Error ? error : new Error('migration failed', { cause: error });
};

/**
 * Brings the schema up to date; safe on every start. On PostgreSQL a session-level advisory lock
 * (held on its own pooled connection) serializes concurrent migrations from several processes,
 * and the optional schema is created first.
 */
export const migrate = async (
  db: Kysely<Database>,
  dialect: StoreDialect,
  options: { readonly schema?: string } = {},
): Promise<void> => {
  if (dialect === 'sqlite') {
    await runMigrator(db, dialect);
    return;
  }
  await db.connection().execute(async (lockConnection) => {
    await sql`select pg_advisory_lock(${sql.raw(MIGRATION_LOCK_KEY)})`.execute(lockConnection);
    try {
      if (options.schema !== undefined) {
        await sql`create schema if not exists ${sql.id(options.schema)}`.execute(db);
      }
      // The migrator looks its own tables up across every schema, so name the one in use.
      const current = await sql<{ schema: string | null }>`select current_schema() as schema`.execute(db);
      const schema = current.rows[0]?.schema;
      if (schema === null || schema === undefined) {
        throw new Error('PostgreSQL has no current schema: check search_path');
      }
      await runMigrator(db, dialect, schema);
    } finally {
      await sql`select pg_advisory_unlock(${sql.raw(MIGRATION_LOCK_KEY)})`.execute(lockConnection);
    }
  });
};
