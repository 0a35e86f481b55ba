import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import type { Store, StoreReader, StoreTx, TransactionRetry } from '../../ports/storage/store.js';
import { KyselyApiKeyRepository } from './api-key-repository.js';
import { KyselyAuditRepository } from './audit-repository.js';
import { KyselyCanaryRepository } from './canary-repository.js';
import type { CommitListener, CommittedChanges } from '../../ports/storage/committed-changes.js';
import { ChangeLog } from './change-log.js';
import { KyselyClientRepository } from './client-repository.js';
import { KyselyDestinationRepository } from './destination-repository.js';
import { KyselyGroupRepository } from './group-repository.js';
import { KyselyLeaseRepository } from './lease-repository.js';
import { KyselyLoginFailureRepository } from './login-failure-repository.js';
import { migrate } from './migrations/index.js';
import { KyselyOidcRepository } from './oidc-repository.js';
import { KyselyOutboxRepository } from './outbox-repository.js';
import { KyselyRefreshTokenRepository } from './refresh-token-repository.js';
import { KyselyRevocationRepository } from './revocation-repository.js';
import type { Database, StoreDialect } from './schema.js';
import { KyselySessionRepository } from './session-repository.js';
import { KyselySigningKeyRepository } from './signing-key-repository.js';
import { KyselySsfTransmitterRepository } from './ssf-transmitter-repository.js';
import type { StoreContext } from './store-context.js';
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
  destinations: new KyselyDestinationRepository(context),
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
  /** Runs before the database handle closes (stops background work on the same database). */
  readonly beforeClose?: (() => Promise<void>) | undefined;
}

/** The one Store implementation; the dialect-specific parts live in the factories and migrations. */
export class KyselyStore implements Store {
  readonly dialect: StoreDialect;

  readonly #db: Kysely<Database>;
  readonly #schema: string | undefined;
  readonly #beforeClose: (() => Promise<void>) | undefined;
  /**
   * The repositories on the root handle, each query on its own: reachable only through `read`,
   * whose type exposes the read methods alone.
   */
  readonly #reader: StoreReader;
  #closing: Promise<void> | undefined;
  readonly #retryListeners: ((retry: TransactionRetry) => void)[] = [];
  readonly #commitListeners: CommitListener[] = [];

  constructor(options: KyselyStoreOptions) {
    this.dialect = options.dialect;
    this.#db = options.db;
    this.#schema = options.schema;
    this.#beforeClose = options.beforeClose;
    this.#reader = repositories({ db: options.db, dialect: options.dialect });
  }

  /** The underlying Kysely handle, for migrations tooling and tests; use-cases use the port. */
  get kysely(): Kysely<Database> {
    return this.#db;
  }

  async transaction<T>(work: (tx: StoreTx) => Promise<T>): Promise<T> {
    // A fresh log per attempt: a retried attempt's appends were rolled back with it.
    const once = async (): Promise<{ readonly result: T; readonly changes: ChangeLog }> => {
      const changes = new ChangeLog();
      const result = await this.#db
        .transaction()
        .execute((trx) => work(repositories({ db: trx, dialect: this.dialect, changes })));
      return { result, changes };
    };
    const run =
      this.dialect === 'postgres' ? () => retryingConflicts(once, (retry) => this.#retried(retry)) : once;
    const committed = await run();
    if (!committed.changes.empty) this.#publish(committed.changes);
    return committed.result;
  }

  read<T>(work: (reader: StoreReader) => Promise<T>): Promise<T> {
    return work(this.#reader);
  }

  onCommitted(listener: CommitListener): void {
    this.#commitListeners.push(listener);
  }

  /** After COMMIT, exactly once per committed transaction. */
  #publish(changes: CommittedChanges): void {
    for (const listener of this.#commitListeners) {
      try {
        listener(changes);
      } catch {
        // The transaction has committed; a listener's failure must not turn it into an error.
        // Listeners report their own failures (the feed hub through its onError).
      }
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
