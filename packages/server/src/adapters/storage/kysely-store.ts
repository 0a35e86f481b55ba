import { AsyncLocalStorage } from 'node:async_hooks';
import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import type { Store, StoreTx, TransactionRetry } from '../../ports/store.js';
import { KyselyApiKeyRepository } from './api-key-repository.js';
import { KyselyAuditRepository } from './audit-repository.js';
import { KyselyCanaryRepository } from './canary-repository.js';
import { KyselyClientRepository } from './client-repository.js';
import { KyselyGroupRepository } from './group-repository.js';
import { KyselyLeaseRepository } from './lease-repository.js';
import { KyselyLoginFailureRepository } from './login-failure-repository.js';
import { migrate } from './migrations.js';
import { KyselyOidcRepository } from './oidc-repository.js';
import { KyselyOutboxRepository } from './outbox-repository.js';
import { KyselyRefreshTokenRepository } from './refresh-token-repository.js';
import { KyselyRevocationRepository } from './revocation-repository.js';
import type { Database, StoreDialect } from './schema.js';
import { KyselySessionRepository } from './session-repository.js';
import { KyselySigningKeyRepository } from './signing-key-repository.js';
import { KyselySsfTransmitterRepository } from './ssf-transmitter-repository.js';
import type { StoreContext } from './store-context.js';
import { misuseMessage, TransactionMisuseGuard } from './transaction-guard.js';
import type { TransactionScope } from './transaction-guard.js';
import { KyselyUserRepository } from './user-repository.js';
import { KyselyWebhookEventRepository } from './webhook-event-repository.js';

const repositories = (context: StoreContext): StoreTx => ({
  users: new KyselyUserRepository(context),
  sessions: new KyselySessionRepository(context),
  refreshTokens: new KyselyRefreshTokenRepository(context),
  clients: new KyselyClientRepository(context),
  apiKeys: new KyselyApiKeyRepository(context),
  signingKeys: new KyselySigningKeyRepository(context),
  revocations: new KyselyRevocationRepository(context),
  audit: new KyselyAuditRepository(context),
  groups: new KyselyGroupRepository(context),
  outbox: new KyselyOutboxRepository(context),
  webhookEvents: new KyselyWebhookEventRepository(context),
  loginFailures: new KyselyLoginFailureRepository(context),
  canary: new KyselyCanaryRepository(context),
  leases: new KyselyLeaseRepository(context),
  oidc: new KyselyOidcRepository(context),
  ssfTransmitters: new KyselySsfTransmitterRepository(context),
});

/**
 * PostgreSQL's "try again" answers (serialization_failure, deadlock_detected): the transaction was
 * rolled back whole, so running it again is safe and usually succeeds at once. Past the last
 * attempt the error reaches the caller as a retryable 503.
 */
const CONFLICT_SQLSTATES: ReadonlyMap<string, TransactionRetry['cause']> = new Map([
  ['40001', 'serialization_failure'],
  ['40P01', 'deadlock'],
]);
const CONFLICT_ATTEMPTS = 4;

const conflictCause = (error: unknown): TransactionRetry['cause'] | undefined =>
  typeof error === 'object' && error !== null
    ? CONFLICT_SQLSTATES.get(String((error as { readonly code?: unknown }).code))
    : undefined;

export const isTransactionConflict = (error: unknown): boolean => conflictCause(error) !== undefined;

const retryingConflicts = async <T>(
  once: () => Promise<T>,
  onRetry: (retry: TransactionRetry) => void,
): Promise<T> => {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await once();
    } catch (error) {
      const cause = conflictCause(error);
      if (attempt >= CONFLICT_ATTEMPTS || cause === undefined) throw error;
      const detail = (error as { readonly detail?: unknown }).detail;
      onRetry({ cause, attempt, detail: typeof detail === 'string' ? detail : undefined });
      // A few milliseconds, jittered, so the transactions that collided do not collide again.
      await new Promise((resolve) => setTimeout(resolve, attempt * (2 + Math.random() * 8)));
    }
  }
};

export interface KyselyStoreOptions {
  readonly db: Kysely<Database>;
  readonly dialect: StoreDialect;
  /** PostgreSQL only: the schema to create (if missing) before migrating. */
  readonly schema?: string;
  /**
   * Fail fast when the root store is used from inside a transaction's work, instead of waiting
   * forever for the one connection that transaction holds (SQLite). A development aid, on in the
   * test suite: it tracks async context (AsyncLocalStorage), which slows every promise of the
   * process, measured at ~10–15 % of a refresh's CPU.
   */
  readonly detectTransactionMisuse: boolean;
  /** Runs before the database handle closes (stops background work on the same database). */
  readonly beforeClose?: (() => Promise<void>) | undefined;
}

/** The one Store implementation; the dialect-specific parts live in the factories and migrations. */
export class KyselyStore implements Store {
  readonly dialect: StoreDialect;
  readonly users: StoreTx['users'];
  readonly sessions: StoreTx['sessions'];
  readonly refreshTokens: StoreTx['refreshTokens'];
  readonly clients: StoreTx['clients'];
  readonly apiKeys: StoreTx['apiKeys'];
  readonly signingKeys: StoreTx['signingKeys'];
  readonly revocations: StoreTx['revocations'];
  readonly audit: StoreTx['audit'];
  readonly groups: StoreTx['groups'];
  readonly outbox: StoreTx['outbox'];
  readonly webhookEvents: StoreTx['webhookEvents'];
  readonly loginFailures: StoreTx['loginFailures'];
  readonly canary: StoreTx['canary'];
  readonly leases: StoreTx['leases'];
  readonly oidc: StoreTx['oidc'];
  readonly ssfTransmitters: StoreTx['ssfTransmitters'];

  readonly #db: Kysely<Database>;
  readonly #schema: string | undefined;
  readonly #beforeClose: (() => Promise<void>) | undefined;
  /** Present only when misuse detection is on. */
  readonly #scope: AsyncLocalStorage<TransactionScope> | undefined;
  #closing: Promise<void> | undefined;
  readonly #retryListeners: ((retry: TransactionRetry) => void)[] = [];

  constructor(options: KyselyStoreOptions) {
    this.dialect = options.dialect;
    this.#db = options.db;
    this.#schema = options.schema;
    this.#beforeClose = options.beforeClose;
    this.#scope = options.detectTransactionMisuse ? new AsyncLocalStorage<TransactionScope>() : undefined;
    const guard = this.#scope === undefined ? undefined : new TransactionMisuseGuard(this.#scope);
    const repos = repositories(
      guard === undefined
        ? { db: options.db, dialect: options.dialect }
        : { db: options.db.withPlugin(guard), dialect: options.dialect, beforeQuery: guard.check },
    );
    this.users = repos.users;
    this.sessions = repos.sessions;
    this.refreshTokens = repos.refreshTokens;
    this.clients = repos.clients;
    this.apiKeys = repos.apiKeys;
    this.signingKeys = repos.signingKeys;
    this.revocations = repos.revocations;
    this.audit = repos.audit;
    this.groups = repos.groups;
    this.outbox = repos.outbox;
    this.webhookEvents = repos.webhookEvents;
    this.loginFailures = repos.loginFailures;
    this.canary = repos.canary;
    this.leases = repos.leases;
    this.oidc = repos.oidc;
    this.ssfTransmitters = repos.ssfTransmitters;
  }

  /** The underlying Kysely handle, for migrations tooling and tests; use-cases use the port. */
  get kysely(): Kysely<Database> {
    return this.#db;
  }

  async transaction<T>(work: (tx: StoreTx) => Promise<T>): Promise<T> {
    const once = (): Promise<T> =>
      this.#db.transaction().execute((trx) => work(repositories({ db: trx, dialect: this.dialect })));
    const run =
      this.dialect === 'postgres' ? () => retryingConflicts(once, (retry) => this.#retried(retry)) : once;
    const tracked = this.#scope;
    if (tracked === undefined) return run();
    if (tracked.getStore()?.active === true) throw new Error(misuseMessage);
    const scope: TransactionScope = { active: true };
    try {
      return await tracked.run(scope, run);
    } finally {
      scope.active = false;
    }
  }

  onTransactionRetry(listener: (retry: TransactionRetry) => void): void {
    this.#retryListeners.push(listener);
  }

  #retried(retry: TransactionRetry): void {
    for (const listener of this.#retryListeners) {
      try {
        listener(retry);
      } catch {
        // An observer's failure must not fail the transaction it observes.
      }
    }
  }

  async migrate(): Promise<void> {
    await migrate(this.#db, this.dialect, this.#schema === undefined ? {} : { schema: this.#schema });
  }

  async ping(): Promise<void> {
    await sql`select 1`.execute(this.#db);
  }

  /** Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      try {
        await this.#beforeClose?.();
      } finally {
        await this.#db.destroy();
      }
    })();
    return this.#closing;
  }
}
