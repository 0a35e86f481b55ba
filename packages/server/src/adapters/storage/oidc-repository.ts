import {
  clientIdFromStore,
  sessionIdFromStore,
  userIdFromStore,
  type ClientId,
  type SessionId,
  type UserId,
} from '../../domain/ids.js';
import { BACKCHANNEL_LOGOUT_KIND } from '../../domain/oidc-records.js';
import type {
  AuthorizationCodeRecord,
  AuthorizationRequest,
  ConsentGrantRecord,
  LoginAttemptRecord,
} from '../../domain/oidc-records.js';
import { sql, type ExpressionBuilder } from 'kysely';
import type { SessionSelector } from '../../domain/session-selector.js';
import type {
  BackchannelLogoutStatus,
  BackchannelTarget,
  ConsentGrantOwner,
  LoginAttemptChanges,
  OidcRepository,
} from '../../ports/storage/oidc.js';
import { sessionCovered } from './selectors.js';
import { fromMillis, fromMillisOrNull, toMillis } from './row-mapping.js';
import { insertedRows } from './store-context.js';
import type { Database, OidcAuthorizationCodesTable } from './schema.js';
import type { StoreContext } from './store-context.js';

const rowToCode = (row: OidcAuthorizationCodesTable): AuthorizationCodeRecord => ({
  codeHash: row.code_hash,
  clientId: clientIdFromStore(row.client_id),
  redirectUri: row.redirect_uri,
  codeChallenge: row.code_challenge,
  nonce: row.nonce,
  scope: row.scope,
  browserSessionId: sessionIdFromStore(row.browser_session_id),
  userId: userIdFromStore(row.user_id),
  createdAt: fromMillis(row.created_at),
  expiresAt: fromMillis(row.expires_at),
  usedAt: fromMillisOrNull(row.used_at),
  issuedSessionId: row.issued_session_id === null ? null : sessionIdFromStore(row.issued_session_id),
});

export class KyselyOidcRepository implements OidcRepository {
  readonly #context: StoreContext;

  constructor(context: StoreContext) {
    this.#context = context;
  }

  async insertBrowserSession(cookieHash: string, sessionId: SessionId, at: Date): Promise<void> {
    await this.#context.db
      .insertInto('oidc_browser_sessions')
      .values({ cookie_hash: cookieHash, session_id: sessionId, created_at: toMillis(at) })
      .execute();
  }

  async findBrowserSession(cookieHash: string): Promise<SessionId | undefined> {
    const row = await this.#context.db
      .selectFrom('oidc_browser_sessions')
      .select('session_id')
      .where('cookie_hash', '=', cookieHash)
      .executeTakeFirst();
    return row === undefined ? undefined : sessionIdFromStore(row.session_id);
  }

  async deleteBrowserSession(cookieHash: string): Promise<void> {
    await this.#context.db
      .deleteFrom('oidc_browser_sessions')
      .where('cookie_hash', '=', cookieHash)
      .execute();
  }

  async insertLoginAttempt(attempt: LoginAttemptRecord): Promise<void> {
    await this.#context.db
      .insertInto('oidc_login_attempts')
      .values({
        id_hash: attempt.idHash,
        csrf_hash: attempt.csrfHash,
        request: JSON.stringify(attempt.request),
        user_id: attempt.userId,
        consent_session_id: attempt.consentSessionId,
        expires_at: toMillis(attempt.expiresAt),
      })
      .execute();
  }

  async findLoginAttempt(idHash: string, now: Date): Promise<LoginAttemptRecord | undefined> {
    const row = await this.#context.db
      .selectFrom('oidc_login_attempts')
      .selectAll()
      .where('id_hash', '=', idHash)
      .where('expires_at', '>', toMillis(now))
      .executeTakeFirst();
    if (row === undefined) return undefined;
    return {
      idHash: row.id_hash,
      csrfHash: row.csrf_hash,
      request: JSON.parse(row.request) as AuthorizationRequest,
      userId: row.user_id === null ? null : userIdFromStore(row.user_id),
      consentSessionId: row.consent_session_id === null ? null : sessionIdFromStore(row.consent_session_id),
      expiresAt: fromMillis(row.expires_at),
    };
  }

  async updateLoginAttempt(idHash: string, changes: LoginAttemptChanges): Promise<void> {
    await this.#context.db
      .updateTable('oidc_login_attempts')
      .set({
        ...(changes.csrfHash !== undefined && { csrf_hash: changes.csrfHash }),
        ...(changes.userId !== undefined && { user_id: changes.userId }),
        ...(changes.consentSessionId !== undefined && { consent_session_id: changes.consentSessionId }),
      })
      .where('id_hash', '=', idHash)
      .execute();
  }

  async deleteLoginAttempt(idHash: string): Promise<void> {
    await this.#context.db.deleteFrom('oidc_login_attempts').where('id_hash', '=', idHash).execute();
  }

  async insertAuthorizationCode(code: AuthorizationCodeRecord): Promise<void> {
    await this.#context.db
      .insertInto('oidc_authorization_codes')
      .values({
        code_hash: code.codeHash,
        client_id: code.clientId,
        redirect_uri: code.redirectUri,
        code_challenge: code.codeChallenge,
        nonce: code.nonce,
        scope: code.scope,
        browser_session_id: code.browserSessionId,
        user_id: code.userId,
        created_at: toMillis(code.createdAt),
        expires_at: toMillis(code.expiresAt),
        used_at: code.usedAt === null ? null : toMillis(code.usedAt),
        issued_session_id: code.issuedSessionId,
      })
      .execute();
  }

  async findAuthorizationCode(codeHash: string): Promise<AuthorizationCodeRecord | undefined> {
    const row = await this.#context.db
      .selectFrom('oidc_authorization_codes')
      .selectAll()
      .where('code_hash', '=', codeHash)
      .executeTakeFirst();
    return row === undefined ? undefined : rowToCode(row);
  }

  async claimAuthorizationCode(codeHash: string, at: Date): Promise<AuthorizationCodeRecord | undefined> {
    const row = await this.#context.db
      .updateTable('oidc_authorization_codes')
      .set({ used_at: toMillis(at) })
      .where('code_hash', '=', codeHash)
      .where('used_at', 'is', null)
      .returningAll()
      .executeTakeFirst();
    return row === undefined ? undefined : rowToCode(row);
  }

  async setIssuedSession(codeHash: string, sessionId: SessionId): Promise<void> {
    await this.#context.db
      .updateTable('oidc_authorization_codes')
      .set({ issued_session_id: sessionId })
      .where('code_hash', '=', codeHash)
      .execute();
  }

  async listBackchannelTargets(selector: SessionSelector): Promise<readonly BackchannelTarget[]> {
    const rows = await this.#context.db
      .selectFrom('sessions')
      .innerJoin('clients', 'clients.id', 'sessions.client_id')
      .select([
        'sessions.id as session_id',
        'sessions.user_id',
        'clients.id as client_id',
        'clients.backchannel_logout_uri',
      ])
      .where('sessions.status', '=', 'active')
      .where('clients.backchannel_logout_uri', 'is not', null)
      .where((eb) => sessionCovered(eb as unknown as ExpressionBuilder<Database, 'sessions'>, selector))
      .orderBy('sessions.id')
      .execute();
    return rows.map((row) => ({
      sessionId: sessionIdFromStore(row.session_id),
      userId: userIdFromStore(row.user_id),
      clientId: clientIdFromStore(row.client_id),
      backchannelLogoutUri: row.backchannel_logout_uri ?? '',
    }));
  }

  async recordClientAssertion(clientId: ClientId, jti: string, expiresAt: Date): Promise<boolean> {
    // ON CONFLICT DO NOTHING: the primary key decides the race between two replays at once.
    const result = await this.#context.db
      .insertInto('oidc_client_assertions')
      .values({ client_id: clientId, jti, expires_at: toMillis(expiresAt) })
      .onConflict((oc) => oc.columns(['client_id', 'jti']).doNothing())
      .executeTakeFirst();
    return insertedRows(result) > 0;
  }

  async backchannelLogoutStatus(clientId: ClientId): Promise<BackchannelLogoutStatus> {
    // The outbox keeps the destination client in the JSON payload (backchannel-logout.ts).
    const payloadClient =
      this.#context.dialect === 'postgres'
        ? sql<string>`(payload::jsonb ->> 'client_id')`
        : sql<string>`json_extract(payload, '$.client_id')`;
    const mine = this.#context.db
      .selectFrom('outbox')
      .where('kind', '=', BACKCHANNEL_LOGOUT_KIND)
      .where(payloadClient, '=', clientId);
    const counts = await mine
      .select((eb) => ['status', eb.fn.countAll<number>().as('count'), eb.fn.max('delivered_at').as('last')])
      .groupBy('status')
      .execute();
    const failed = await mine
      .select('last_error')
      .where('last_error', 'is not', null)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
    const count = (status: string): number => Number(counts.find((row) => row.status === status)?.count ?? 0);
    const last = counts.find((row) => row.status === 'delivered')?.last;
    return {
      pending: count('pending'),
      delivered: count('delivered'),
      dead: count('dead'),
      lastError: failed?.last_error ?? null,
      lastDeliveredAt: last === null || last === undefined ? null : fromMillis(Number(last)),
    };
  }

  async findConsentGrant(userId: UserId, clientId: ClientId): Promise<ConsentGrantRecord | undefined> {
    const row = await this.#context.db
      .selectFrom('oidc_consent_grants')
      .selectAll()
      .where('user_id', '=', userId)
      .where('client_id', '=', clientId)
      .executeTakeFirst();
    return row === undefined
      ? undefined
      : {
          userId: row.user_id as UserId,
          clientId: row.client_id as ClientId,
          scope: row.scope,
          createdAt: fromMillis(row.created_at),
        };
  }

  async saveConsentGrant(grant: ConsentGrantRecord): Promise<void> {
    await this.#context.db
      .insertInto('oidc_consent_grants')
      .values({
        user_id: grant.userId,
        client_id: grant.clientId,
        scope: grant.scope,
        created_at: toMillis(grant.createdAt),
      })
      .onConflict((oc) =>
        oc
          .columns(['user_id', 'client_id'])
          .doUpdateSet({ scope: grant.scope, created_at: toMillis(grant.createdAt) }),
      )
      .execute();
  }

  async deleteConsentGrants(owner: ConsentGrantOwner): Promise<number> {
    let query = this.#context.db.deleteFrom('oidc_consent_grants');
    if (owner.kind === 'user') query = query.where('user_id', '=', owner.id);
    if (owner.kind === 'client') query = query.where('client_id', '=', owner.id);
    const result = await query.executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async purgeExpired(before: Date): Promise<number> {
    const cutoff = toMillis(before);
    const attempts = await this.#context.db
      .deleteFrom('oidc_login_attempts')
      .where('expires_at', '<=', cutoff)
      .executeTakeFirst();
    const codes = await this.#context.db
      .deleteFrom('oidc_authorization_codes')
      .where('expires_at', '<=', cutoff)
      .executeTakeFirst();
    const assertions = await this.#context.db
      .deleteFrom('oidc_client_assertions')
      .where('expires_at', '<=', cutoff)
      .executeTakeFirst();
    // An SSO cookie row is dead once its session is: revoked, or past its absolute lifetime.
    const browsers = await this.#context.db
      .deleteFrom('oidc_browser_sessions')
      .where((eb) =>
        eb.exists(
          eb
            .selectFrom('sessions')
            .select('sessions.id')
            .whereRef('sessions.id', '=', 'oidc_browser_sessions.session_id')
            .where((inner) =>
              inner.or([
                inner('sessions.absolute_expires_at', '<=', cutoff),
                inner.and([
                  inner('sessions.revoked_at', 'is not', null),
                  inner('sessions.revoked_at', '<=', cutoff),
                ]),
              ]),
            ),
        ),
      )
      .executeTakeFirst();
    return [attempts, codes, assertions, browsers].reduce(
      (sum, result) => sum + Number(result.numDeletedRows),
      0,
    );
  }
}
