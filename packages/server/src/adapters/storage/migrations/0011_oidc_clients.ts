import { sql } from 'kysely';
import type { Kysely, Migration } from 'kysely';
import type { StoreDialect } from '../schema.js';
import { columnTypes } from './column-types.js';

/**
 * OpenID Connect (single sign-on): client metadata for relying parties, the scope and
 * authentication time of a relying party's session (nullable columns: no row rewritten), and the
 * three short-lived
 * tables of the hosted login and the authorization code grant. Adding columns with constant
 * defaults rewrites no rows on either dialect (PostgreSQL 11+ stores the default in the catalog),
 * so the migration is instant whatever the number of clients.
 *
 * - `oidc_browser_sessions`: the SSO cookie's secret (sha256) -> the Cutoff session it opens.
 * - `oidc_login_attempts`: a login page in progress: the pre-login cookie (sha256), the CSRF
 *   synchronizer token (sha256), the authorization request it will answer, and after a right
 *   password the user awaiting the TOTP step.
 * - `oidc_authorization_codes`: one-time codes (sha256), bound to client, redirect URI, PKCE
 *   challenge, nonce and browser session; `issued_session_id` is what a replay revokes.
 */
export const oidcClients = (dialect: StoreDialect): Migration => ({
  async up(db: Kysely<unknown>): Promise<void> {
    const t = columnTypes(dialect);
    const clients = () => db.schema.alterTable('clients');
    await clients()
      .addColumn('redirect_uris', 'text', (c) => c.notNull().defaultTo('[]'))
      .execute();
    await clients()
      .addColumn('post_logout_redirect_uris', 'text', (c) => c.notNull().defaultTo('[]'))
      .execute();
    await clients().addColumn('backchannel_logout_uri', 'text').execute();
    await clients()
      .addColumn('backchannel_logout_session_required', t.flag, (c) => c.notNull().defaultTo(0))
      .execute();
    await clients()
      .addColumn('token_endpoint_auth_method', 'text', (c) => c.notNull().defaultTo('none'))
      .execute();
    await clients()
      .addColumn('consent', 'text', (c) => c.notNull().defaultTo('none'))
      .execute();
    await db.schema.alterTable('sessions').addColumn('scope', 'text').execute();
    await db.schema.alterTable('sessions').addColumn('auth_time', t.millis).execute();
    await sql`update clients set token_endpoint_auth_method = 'client_secret_basic' where type = 'confidential'`.execute(
      db,
    );

    await db.schema
      .createTable('oidc_browser_sessions')
      .addColumn('cookie_hash', t.key, (c) => c.primaryKey())
      .addColumn('session_id', t.key, (c) => c.notNull())
      .addColumn('created_at', t.millis, (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('oidc_login_attempts')
      .addColumn('id_hash', t.key, (c) => c.primaryKey())
      .addColumn('csrf_hash', 'text', (c) => c.notNull())
      .addColumn('request', 'text', (c) => c.notNull())
      .addColumn('user_id', t.key)
      .addColumn('expires_at', t.millis, (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('oidc_authorization_codes')
      .addColumn('code_hash', t.key, (c) => c.primaryKey())
      .addColumn('client_id', t.key, (c) => c.notNull())
      .addColumn('redirect_uri', 'text', (c) => c.notNull())
      .addColumn('code_challenge', 'text')
      .addColumn('nonce', 'text')
      .addColumn('scope', 'text', (c) => c.notNull())
      .addColumn('browser_session_id', t.key, (c) => c.notNull())
      .addColumn('user_id', t.key, (c) => c.notNull())
      .addColumn('created_at', t.millis, (c) => c.notNull())
      .addColumn('expires_at', t.millis, (c) => c.notNull())
      .addColumn('used_at', t.millis)
      .addColumn('issued_session_id', t.key)
      .execute();
  },
});
