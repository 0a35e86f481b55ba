import type { ApiKeyRepository } from './api-keys.js';
import type { AuditRepository } from './audit.js';
import type { CanaryRepository } from './canary.js';
import type { ClientRepository } from './clients.js';
import type { DestinationRepository } from './destinations.js';
import type { CommitListener } from './committed-changes.js';
import type { GroupRepository } from './groups.js';
import type { LeaseRepository } from './leases.js';
import type { LoginFailureRepository } from './login-failures.js';
import type { OidcRepository } from './oidc.js';
import type { OutboxRepository } from './outbox.js';
import type { RefreshTokenRepository } from './refresh-tokens.js';
import type { RevocationRepository } from './revocations.js';
import type { SessionRepository } from './sessions.js';
import type { SigningKeyRepository } from './signing-keys.js';
import type { SsfTransmitterRepository } from './ssf-transmitters.js';
import type { UserRepository } from './users.js';
import type { WebhookEventRepository } from './webhook-events.js';

/** What use-cases see inside one transaction: every repository. */
export interface StoreTx {
  readonly users: UserRepository;
  readonly sessions: SessionRepository;
  readonly refreshTokens: RefreshTokenRepository;
  readonly clients: ClientRepository;
  readonly apiKeys: ApiKeyRepository;
  readonly signingKeys: SigningKeyRepository;
  readonly revocations: RevocationRepository;
  readonly audit: AuditRepository;
  readonly groups: GroupRepository;
  readonly outbox: OutboxRepository;
  readonly webhookEvents: WebhookEventRepository;
  readonly loginFailures: LoginFailureRepository;
  readonly canary: CanaryRepository;
  readonly leases: LeaseRepository;
  readonly oidc: OidcRepository;
  readonly destinations: DestinationRepository;
  readonly ssfTransmitters: SsfTransmitterRepository;
}

/**
 * The methods of a repository that only read, by name: `find…`, `list…`, `count…` and the few
 * named reads below. A new read method with another name is added here.
 */
type ReadMethodName<R> = Extract<
  keyof R,
  | `find${string}`
  | `list${string}`
  | `count${string}`
  | 'head'
  | 'scan'
  | 'counts'
  | 'memberIds'
  | 'names'
  | 'roleNames'
  | 'earliestEndAt'
  | 'recentRuns'
  | 'runsBetween'
  | 'auditHead'
  | 'leaseHolder'
  | 'backchannelLogoutStatus'
>;

/** What `Store.read` hands its work: the read methods of every repository, and nothing that writes. */
export type StoreReader = {
  readonly [K in keyof StoreTx]: Pick<StoreTx[K], ReadMethodName<StoreTx[K]>>;
};

/** A transaction the store ran again because PostgreSQL rolled it back (see `Store.transaction`). */
export interface TransactionRetry {
  /** SQLSTATE 40P01 (a lock cycle: two transactions took their locks in different orders) or 40001. */
  readonly cause: 'deadlock' | 'serialization_failure';
  /** The attempt that failed: 1 for the first run. */
  readonly attempt: number;
  /** PostgreSQL's detail when it gave one (for a deadlock: which process waited for which lock). */
  readonly detail: string | undefined;
}

/**
 * The storage port. Every backend (SQLite, PostgreSQL) passes the same conformance suite. The
 * repositories are reachable only through a unit of work: `transaction` for anything that writes,
 * `read` for reads that need no transaction. So no work can reach the store's own connection
 * from inside a transaction (on SQLite that waited forever for the one connection the
 * transaction holds) except by calling `read` or `transaction` again, which it must not do.
 */
export interface Store {
  readonly dialect: 'sqlite' | 'postgres';
  /**
   * All-or-nothing: if `work` throws, nothing it wrote is kept. `work` may run more than once (a
   * PostgreSQL deadlock or serialization failure rolls it back and the store runs it again), so
   * it must have no effect outside `tx`; act on the result after the transaction commits. What it
   * appended and enqueued is published to the `onCommitted` listeners after COMMIT.
   */
  transaction<T>(work: (tx: StoreTx) => Promise<T>): Promise<T>;
  /**
   * Reads outside a transaction: each query runs on its own (cheaper than a transaction, on
   * SQLite no BEGIN/COMMIT and on PostgreSQL no extra round trips), so several reads may see
   * different moments. Reads that must agree with each other or with a write go in `transaction`.
   */
  read<T>(work: (reader: StoreReader) => Promise<T>): Promise<T>;
  /**
   * Calls `listener` each time `transaction` is about to run its work again after a conflict
   * (never on SQLite). A retried deadlock costs PostgreSQL's `deadlock_timeout` (1 s by default).
   */
  onTransactionRetry(listener: (retry: TransactionRetry) => void): void;
  /**
   * Calls `listener` after each `transaction` that appended revocation entries or audit events or
   * enqueued outbox messages has committed, with what it wrote: exactly once, never for a
   * rolled-back transaction, and only for the attempt that committed when a conflict retried the
   * work. This is how a committed revocation reaches the feed; no use-case publishes by hand.
   */
  onCommitted(listener: CommitListener): void;
  migrate(): Promise<void>;
  /** Resolves when the store answers a trivial query. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
