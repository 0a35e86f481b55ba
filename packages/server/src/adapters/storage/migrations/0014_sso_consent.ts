import type { Kysely, Migration } from 'kysely';
import type { StoreDialect } from '../schema.js';
import { columnTypes } from './column-types.js';

/**
 * Single sign-on, second part: `private_key_jwt` client keys (inline `jwks` or a `jwks_uri`), the
 * ID token algorithm a client pins, the assertion `jti`s seen (single use, kept until their
 * `exp`), the remembered consent grants, and the consent step of a login attempt. New columns are nullable or have constant defaults:
 * no row is rewritten on either dialect.
 */
export const ssoConsent = (dialect: StoreDialect): Migration => ({
  async up(db: Kysely<unknown>): Promise<void> {
    const t = columnTypes(dialect);
    const clients = () => db.schema.alterTable('clients');
    await clients().addColumn('jwks', 'text').execute();
    await clients().addColumn('jwks_uri', 'text').execute();
    await clients()
      .addColumn('id_token_signed_response_alg', 'text', (c) => c.notNull().defaultTo('RS256'))
      .execute();
    // Set when the attempt waits on the consent page: the SSO session that will answer it.
    await db.schema.alterTable('oidc_login_attempts').addColumn('consent_session_id', t.key).execute();
    await db.schema
      .createTable('oidc_client_assertions')
      .addColumn('client_id', t.key, (c) => c.notNull())
      .addColumn('jti', t.key, (c) => c.notNull())
      .addColumn('expires_at', t.millis, (c) => c.notNull())
      .addPrimaryKeyConstraint('oidc_client_assertions_pk', ['client_id', 'jti'])
      .execute();
    await db.schema
      .createTable('oidc_consent_grants')
      .addColumn('user_id', t.key, (c) => c.notNull())
      .addColumn('client_id', t.key, (c) => c.notNull())
      .addColumn('scope', 'text', (c) => c.notNull())
      .addColumn('created_at', t.millis, (c) => c.notNull())
      .addPrimaryKeyConstraint('oidc_consent_grants_pk', ['user_id', 'client_id'])
      .execute();
    // Revoking a client drops its grants: that delete looks them up by client.
    await db.schema
      .createIndex('oidc_consent_grants_client_idx')
      .on('oidc_consent_grants')
      .column('client_id')
      .execute();
  },
});
