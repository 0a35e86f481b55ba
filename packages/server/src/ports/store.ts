import type { RevocationKind } from '@cutoff/guard/rule';
import type {
  ApiKeyRecord,
  AuditEventRecord,
  ClientRecord,
  GroupRecord,
  MemberDeactivation,
  NewAuditEvent,
  NewRevocation,
  OutboxMessage,
  OutboxStatus,
  RefreshTokenRecord,
  RevocationRecord,
  SessionRecord,
  SigningKeyRecord,
  UserRecord,
} from '../domain/records.js';
import type { ClientId, SessionId, UserId } from '../domain/ids.js';
import type { CanaryProbeRecord, CanaryRunRecord } from '../domain/canary/canary-records.js';
import type {
  AuthorizationCodeRecord,
  ConsentGrantRecord,
  LoginAttemptRecord,
} from '../domain/oidc-records.js';

/** The set of sessions a revocation covers (kind `token` covers no session). */
export type SessionSelector =
  | { readonly kind: 'session'; readonly key: string }
  | { readonly kind: 'user'; readonly key: string }
  | { readonly kind: 'group'; readonly key: string }
  | { readonly kind: 'role'; readonly key: string }
  | { readonly kind: 'client'; readonly key: string }
  | { readonly kind: 'all'; readonly key: '*' };

export interface UserPatch {
  /**
   * A rename; `CutoffError('ERR_CONFLICT')` when another user has the name in any letter case
   * (`normalizeUsername`). A change of case alone is a rename of the user onto itself, allowed.
   */
  readonly username?: string;
  readonly email?: string | null;
  readonly passwordHash?: string | null;
  readonly roles?: readonly string[];
  readonly groups?: readonly string[];
  readonly active?: boolean;
  readonly totpSecret?: string | null;
  /** A new, unconfirmed enrolment (replacing any pending one); login ignores it. */
  readonly totpPendingSecret?: string | null;
  readonly mfaRequired?: boolean;
  readonly externalId?: string | null;
  readonly displayName?: string | null;
  readonly givenName?: string | null;
  readonly familyName?: string | null;
  readonly updatedAt: Date;
}

export interface Page<T> {
  readonly items: readonly T[];
  /** Opaque; pass back to get the next page. Null on the last page. */
  readonly nextCursor: string | null;
}

export interface UserRepository {
  /**
   * Throws `CutoffError('ERR_CONFLICT')` on a duplicate username; usernames are unique by
   * `normalizeUsername` (case-insensitively), and stored as given.
   */
  insert(user: UserRecord): Promise<void>;
  findById(id: UserId): Promise<UserRecord | undefined>;
  /** The user whose username is `username` in any letter case (`normalizeUsername`). */
  findByUsername(username: string): Promise<UserRecord | undefined>;
  list(query: {
    /** Case-insensitive, as `findByUsername`. */
    readonly username?: string;
    readonly limit: number;
    readonly cursor?: string;
  }): Promise<Page<UserRecord>>;
  /** Returns the updated user, or undefined when it does not exist. */
  update(id: UserId, patch: UserPatch): Promise<UserRecord | undefined>;
  /**
   * Records `step` as the last TOTP time step the user logged in with, if it is later than the
   * last one. False when it is not: the code (or an older one) was already used, and RFC 6238
   * section 5.2 forbids accepting it twice. A compare-and-set, so of two concurrent logins with
   * one code exactly one wins. A new TOTP secret (`update` with `totpSecret`) forgets the step.
   */
  claimTotpStep(id: UserId, step: number): Promise<boolean>;
  /**
   * Replaces the stored TOTP secret if it is still `expected` (re-sealing the same secret, so the
   * last used step is kept); false when it changed meanwhile (a re-enrolment) or is gone.
   */
  replaceTotpSecret(id: UserId, expected: string, totpSecret: string): Promise<boolean>;
  /** As `replaceTotpSecret`, for the pending (unconfirmed) secret. */
  replaceTotpPendingSecret(id: UserId, expected: string, totpPendingSecret: string): Promise<boolean>;
  /**
   * Makes the pending TOTP secret, if it is still `expectedPending`, the active one, with `step`
   * (the confirming code's) as its last used step. A compare-and-set: false when the pending
   * secret was replaced (a re-enrolment) or already confirmed meanwhile.
   */
  confirmTotp(id: UserId, expectedPending: string, step: number, updatedAt: Date): Promise<boolean>;
  /**
   * Users whose email is `email` with ASCII letters compared case-insensitively (the rule of mail
   * domains, and what mail systems do for local parts), by id. Indexed: webhooks find their user
   * this way. Several users may share an email; callers decide what that means.
   */
  findByEmail(email: string): Promise<readonly UserRecord[]>;
  /** The user with this SCIM `externalId` (the lowest id if several share it). */
  findByExternalId(externalId: string): Promise<UserRecord | undefined>;
  /** How many users exist (SCIM `totalResults`). */
  countAll(): Promise<number>;
  /** How many users hold the role (what a `role` revocation covers). Indexed. */
  countWithRole(role: string): Promise<number>;
  /** The distinct role names users hold, ascending, at most `limit` (typo suggestions). */
  roleNames(limit: number): Promise<readonly string[]>;
  /**
   * Hard-deletes a user with its role and group rows and, in the same transaction, its sessions
   * and their refresh tokens (revoke them first: revocation entries and audit events are not
   * touched and stay as evidence). Returns false when the user does not exist.
   */
  delete(id: UserId): Promise<boolean>;
}

export interface GroupPatch {
  /** A rename: carried over to every member's groups in the same transaction. */
  readonly name?: string;
  readonly displayName?: string;
  readonly externalId?: string | null;
  readonly endAt?: Date | null;
  readonly endedAt?: Date | null;
  readonly deactivateMembers?: MemberDeactivation;
  readonly updatedAt: Date;
}

/**
 * Group records are optional metadata for group names; membership is the users' `groups` (kept
 * in step with the indexed `user_groups` rows). Membership changes made here leave the users'
 * `updatedAt` alone.
 */
export interface GroupRepository {
  /** Throws `CutoffError('ERR_CONFLICT')` on a duplicate id or name. */
  insert(group: GroupRecord): Promise<void>;
  findById(id: string): Promise<GroupRecord | undefined>;
  findByName(name: string): Promise<GroupRecord | undefined>;
  /** The group with this SCIM `externalId` (the lowest id if several share it). */
  findByExternalId(externalId: string): Promise<GroupRecord | undefined>;
  /** By id, with an opaque cursor. */
  list(query: { readonly limit: number; readonly cursor?: string }): Promise<Page<GroupRecord>>;
  /**
   * Returns the updated group, or undefined when it does not exist. A rename renames the group in
   * every member's groups too; renaming onto a name another group record holds throws
   * `CutoffError('ERR_CONFLICT')`.
   */
  update(id: string, patch: GroupPatch): Promise<GroupRecord | undefined>;
  /** Deletes the group and every membership of its name. Returns false when it does not exist. */
  delete(id: string): Promise<boolean>;
  /** Ids of the users whose groups include the name, ascending. */
  memberIds(name: string): Promise<readonly UserId[]>;
  /**
   * The distinct group names Cutoff knows, ascending, at most `limit`: those of group records
   * (ended ones included) and those users are members of (typo suggestions).
   */
  names(limit: number): Promise<readonly string[]>;
  /** Adds the name to the user's groups. False when already a member or the user does not exist. */
  addMember(name: string, userId: UserId): Promise<boolean>;
  /** Removes the name from the user's groups. False when not a member. */
  removeMember(name: string, userId: UserId): Promise<boolean>;
  /** Groups whose end date has come (`endAt <= now`) and that have not been ended, soonest first. */
  listDueForEnd(now: Date): Promise<readonly GroupRecord[]>;
  /** The earliest end date among the not-yet-ended groups with these names, or null. */
  earliestEndAt(names: readonly string[]): Promise<Date | null>;
}

export interface OutboxRepository {
  /** Inside `store.transaction`, the message commits (or not) with the change that caused it. */
  enqueue(message: OutboxMessage): Promise<void>;
  /**
   * Atomically claims up to `limit` pending messages due at `now`: each gets `attempts + 1` and a
   * lease (`nextAttemptAt = now + leaseMs`), after which it is due again unless marked delivered
   * or failed. Concurrent claimers never get the same message. Picks the earliest due and
   * returns them oldest (by `createdAt`) first. Delivery is at least once: a claimer whose lease
   * ran out may still mark the message, and another claimer may then have sent it too.
   */
  claimDue(now: Date, limit: number, leaseMs: number): Promise<readonly OutboxMessage[]>;
  /** Returns false when the message is not pending (already delivered, dead or missing). */
  markDelivered(id: string, at: Date): Promise<boolean>;
  /**
   * Records a failed attempt: retried at `nextAttemptAt`, or given up (`dead`) when it is null.
   * Returns false when the message is not pending.
   */
  markFailed(id: string, error: string, nextAttemptAt: Date | null): Promise<boolean>;
  /** Oldest first, for tests and operations. */
  list(query: { readonly status?: OutboxStatus; readonly limit: number }): Promise<readonly OutboxMessage[]>;
  findById(id: string): Promise<OutboxMessage | undefined>;
  /**
   * Puts a dead message back in the queue, due at `at`, its attempts counted from zero again (the
   * last error is kept). False unless it was dead.
   */
  requeueDead(id: string, at: Date): Promise<boolean>;
  /** How many messages are pending and how many dead (metrics and alerts). */
  countOpen(): Promise<{ readonly pending: number; readonly dead: number }>;
}

/** Replay protection for inbound webhooks: remembers which event ids each source has sent. */
export interface WebhookEventRepository {
  /** True the first time `(source, eventId)` is seen, false on a replay (race-safe). */
  recordOnce(source: string, eventId: string, at: Date): Promise<boolean>;
  /** Forgets events received before `at`; returns how many. */
  pruneBefore(at: Date): Promise<number>;
}

/**
 * Failed-login counters per key in fixed windows, shared by every replica (login rate limiting).
 * Keys are opaque to the store (the limiter hashes usernames and addresses into them).
 */
export interface LoginFailureCount {
  readonly key: string;
  readonly windowStart: Date;
  readonly failures: number;
}

export interface LoginFailureRepository {
  /** Adds one failure to each key's counter of the window that starts at `windowStart` (race-safe). */
  record(keys: readonly string[], windowStart: Date): Promise<void>;
  /** The counters of these keys in the windows that start at or after `since`, oldest first. */
  counts(keys: readonly string[], since: Date): Promise<readonly LoginFailureCount[]>;
  /** Forgets one key's counters in the windows that start at or after `since` (after a successful login). */
  clear(key: string, since: Date): Promise<void>;
  /** Forgets the counters of windows that started before `before`; returns how many. */
  pruneBefore(before: Date): Promise<number>;
}

export interface SessionRepository {
  insert(session: SessionRecord): Promise<void>;
  findById(id: SessionId): Promise<SessionRecord | undefined>;
  /** The session and its user in one read (the refresh path needs both). */
  findWithUser(
    id: SessionId,
  ): Promise<{ readonly session: SessionRecord; readonly user: UserRecord } | undefined>;
  listByUser(userId: UserId): Promise<readonly SessionRecord[]>;
  /** Extends the idle lifetime of an active session. */
  touch(id: SessionId, lastSeenAt: Date, idleExpiresAt: Date): Promise<void>;
  /** Marks every active session the selector covers as revoked; returns how many. */
  revoke(selector: SessionSelector, at: Date, reason: string): Promise<number>;
  /** How many active sessions the selector covers (for dry runs). */
  countActive(selector: SessionSelector): Promise<number>;
  /** How many distinct users have an active session the selector covers. */
  countActiveUsers(selector: SessionSelector): Promise<number>;
  /** Ends one session at the user's request (logout). Returns false if it was not active. */
  end(id: SessionId, at: Date): Promise<boolean>;
}

export interface RefreshTokenRepository {
  insert(token: RefreshTokenRecord): Promise<void>;
  findByHash(tokenHash: string): Promise<RefreshTokenRecord | undefined>;
  /**
   * Retires the token with this hash if, and only if, it is still active and unexpired at `at`:
   * the compare-and-set that makes exactly one of two concurrent refreshes win, and the lookup in
   * the same statement. Returns the token as rotated to the winner, undefined to everyone else
   * (unknown, expired, already rotated or revoked: `findByHash` tells which).
   */
  rotate(tokenHash: string, at: Date): Promise<RefreshTokenRecord | undefined>;
  /** Revokes every active or rotated token of the sessions the selector covers; returns how many were active. */
  revokeForSessions(selector: SessionSelector): Promise<number>;
  countActiveForSessions(selector: SessionSelector): Promise<number>;
}

export interface ClientRepository {
  /** Throws `CutoffError('ERR_CONFLICT')` on a duplicate id. */
  insert(client: ClientRecord): Promise<void>;
  findById(id: ClientId): Promise<ClientRecord | undefined>;
  list(): Promise<readonly ClientRecord[]>;
}

export interface ApiKeyRepository {
  insert(key: ApiKeyRecord): Promise<void>;
  findByHash(keyHash: string): Promise<ApiKeyRecord | undefined>;
  findById(id: ApiKeyRecord['id']): Promise<ApiKeyRecord | undefined>;
  list(): Promise<readonly ApiKeyRecord[]>;
  /** Moves last_used_at forward to `at`, never back (replicas flush in any order). */
  touch(id: ApiKeyRecord['id'], at: Date): Promise<void>;
  /**
   * Sets revoked_at once; a key already revoked keeps its first revocation time. Resolves to the
   * key as it is afterwards and whether this call revoked it, or undefined for an unknown id.
   */
  revoke(
    id: ApiKeyRecord['id'],
    at: Date,
  ): Promise<{ readonly key: ApiKeyRecord; readonly revokedNow: boolean } | undefined>;
}

export interface SigningKeyRepository {
  insert(key: SigningKeyRecord): Promise<void>;
  /** Current and previous keys, current first. */
  listPublished(): Promise<readonly SigningKeyRecord[]>;
  /** current -> previous, previous -> retired; the caller then inserts the new current key. */
  demoteAll(): Promise<void>;
  /** Every key, retired ones included, oldest first. */
  listAll(): Promise<readonly SigningKeyRecord[]>;
  /** Replaces a key's stored private JWK if it is still `expected` (re-sealing); false otherwise. */
  replacePrivateJwk(kid: string, expected: string, privateJwk: string): Promise<boolean>;
}

export interface RevocationRepository {
  /**
   * Appends an entry and returns it with its seq. Seqs are assigned in commit order (the
   * PostgreSQL adapter serializes appends) so a reader that saw seq N never later finds N-1.
   */
  append(entry: NewRevocation): Promise<RevocationRecord>;
  /** Entries with seq > after and expires_at > now (seconds), oldest first. */
  listLive(after: number, now: number, limit: number): Promise<readonly RevocationRecord[]>;
  /** The highest seq ever assigned (0 when none). */
  head(): Promise<number>;
  findById(id: string): Promise<RevocationRecord | undefined>;
}

export interface AuditQuery {
  readonly action?: string;
  readonly actorId?: string;
  /** Matches `target.id`, or `type:id`. */
  readonly target?: string;
  readonly since?: Date;
  readonly until?: Date;
  readonly limit: number;
  /** Events with seq greater than this (ascending order). */
  readonly afterSeq?: number;
}

export interface AuditRepository {
  /** Appends to the hash chain (serialized with other appends); returns the stored event. */
  append(event: NewAuditEvent): Promise<AuditEventRecord>;
  list(query: AuditQuery): Promise<readonly AuditEventRecord[]>;
  /** Every event in seq order, in batches (for verification and export). */
  scan(afterSeq: number, limit: number): Promise<readonly AuditEventRecord[]>;
}

export interface CanaryRepository {
  /** Creates or replaces the probe of this name; true when it was created. */
  putProbe(probe: CanaryProbeRecord): Promise<boolean>;
  findProbe(name: string): Promise<CanaryProbeRecord | undefined>;
  /** By name. */
  listProbes(): Promise<readonly CanaryProbeRecord[]>;
  /** False when there was no probe of this name. */
  deleteProbe(name: string): Promise<boolean>;
  /**
   * Replaces a probe's sealed headers if they are still `expected` (a compare-and-set, for
   * `cutoff secrets reseal`); false when the probe is gone or was replaced meanwhile.
   */
  replaceSealedHeaders(name: string, expected: string, sealedHeaders: string): Promise<boolean>;
  insertRun(run: CanaryRunRecord): Promise<void>;
  /** Most recent first (by start time, then id). */
  recentRuns(limit: number): Promise<readonly CanaryRunRecord[]>;
  /** Runs that started in [since, until), oldest first (evidence reports). */
  runsBetween(since: Date, until: Date): Promise<readonly CanaryRunRecord[]>;
  /** Forgets runs that started before `before` (retention); returns how many. */
  pruneRunsBefore(before: Date): Promise<number>;
}

/** Named leases: work that one replica at a time does (the canary cycle), shared through the store. */
export interface LeaseRepository {
  /**
   * Takes the lease `name` for `holder` until `until` when it is free at `now` (never taken,
   * expired, or already this holder's). Race-safe: of concurrent claimers exactly one wins.
   */
  tryAcquire(name: string, holder: string, now: Date, until: Date): Promise<boolean>;
  /** Gives the lease back if `holder` still holds it. */
  release(name: string, holder: string): Promise<boolean>;
}

export interface BackchannelTarget {
  readonly sessionId: SessionId;
  readonly userId: UserId;
  readonly clientId: ClientId;
  readonly backchannelLogoutUri: string;
}

/** OpenID Connect: SSO browser cookies, hosted-login attempts and authorization codes. */
export interface OidcRepository {
  insertBrowserSession(cookieHash: string, sessionId: SessionId, at: Date): Promise<void>;
  /** The Cutoff session an SSO cookie (its sha256) opens; undefined when unknown. */
  findBrowserSession(cookieHash: string): Promise<SessionId | undefined>;
  deleteBrowserSession(cookieHash: string): Promise<void>;
  insertLoginAttempt(attempt: LoginAttemptRecord): Promise<void>;
  /** The attempt if it exists and has not expired at `now`. */
  findLoginAttempt(idHash: string, now: Date): Promise<LoginAttemptRecord | undefined>;
  updateLoginAttempt(idHash: string, changes: LoginAttemptChanges): Promise<void>;
  deleteLoginAttempt(idHash: string): Promise<void>;
  insertAuthorizationCode(code: AuthorizationCodeRecord): Promise<void>;
  findAuthorizationCode(codeHash: string): Promise<AuthorizationCodeRecord | undefined>;
  /**
   * Marks the code used if, and only if, it was unused: the compare-and-set that lets exactly one
   * of two concurrent redemptions win. Returns the code as claimed, undefined to every loser.
   */
  claimAuthorizationCode(codeHash: string, at: Date): Promise<AuthorizationCodeRecord | undefined>;
  setIssuedSession(codeHash: string, sessionId: SessionId): Promise<void>;
  /**
   * The active sessions the selector covers whose client registered a back-channel logout URI:
   * the relying parties a revocation must tell (read before the sessions are marked revoked).
   */
  listBackchannelTargets(selector: SessionSelector): Promise<readonly BackchannelTarget[]>;
  /**
   * Records a `private_key_jwt` assertion's `jti` (kept until `expiresAt`). False when the client
   * already used it: a replay.
   */
  recordClientAssertion(clientId: ClientId, jti: string, expiresAt: Date): Promise<boolean>;
  /** The client's back-channel logout deliveries, from the outbox rows of that channel. */
  backchannelLogoutStatus(clientId: ClientId): Promise<BackchannelLogoutStatus>;
  findConsentGrant(userId: UserId, clientId: ClientId): Promise<ConsentGrantRecord | undefined>;
  /** Inserts or replaces the grant of that user and client. */
  saveConsentGrant(grant: ConsentGrantRecord): Promise<void>;
  /** Forgets the grants a revocation of that user, that client or everyone ends; returns how many. */
  deleteConsentGrants(owner: ConsentGrantOwner): Promise<number>;
  /**
   * Deletes login attempts, codes and assertion `jti`s that expired before `before`, and SSO cookie
   * rows whose session ended (revoked or past its absolute lifetime) before it; returns how many.
   */
  purgeExpired(before: Date): Promise<number>;
}

export interface BackchannelLogoutStatus {
  readonly pending: number;
  readonly delivered: number;
  readonly dead: number;
  /** The newest failed attempt's error (the receiver's status or the network error; never a token). */
  readonly lastError: string | null;
  readonly lastDeliveredAt: Date | null;
}

export interface LoginAttemptChanges {
  readonly csrfHash?: string;
  readonly userId?: UserId | null;
  readonly consentSessionId?: SessionId | null;
}

export type ConsentGrantOwner =
  | { readonly kind: 'user'; readonly id: UserId }
  | { readonly kind: 'client'; readonly id: ClientId }
  | { readonly kind: 'all' };

/** What use-cases see inside one transaction. */
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
}

/**
 * The storage port. Every backend (SQLite, PostgreSQL) passes the same conformance suite.
 * Repositories used outside `transaction` run each call on its own.
 */
/** A transaction the store ran again because PostgreSQL rolled it back (see `Store.transaction`). */
export interface TransactionRetry {
  /** SQLSTATE 40P01 (a lock cycle: two transactions took their locks in different orders) or 40001. */
  readonly cause: 'deadlock' | 'serialization_failure';
  /** The attempt that failed: 1 for the first run. */
  readonly attempt: number;
  /** PostgreSQL's detail when it gave one (for a deadlock: which process waited for which lock). */
  readonly detail: string | undefined;
}

export interface Store extends StoreTx {
  readonly dialect: 'sqlite' | 'postgres';
  /**
   * All-or-nothing: if `work` throws, nothing it wrote is kept. `work` may run more than once (a
   * PostgreSQL deadlock or serialization failure rolls it back and the store runs it again), so
   * it must have no effect outside `tx`; act on the result after the transaction commits.
   */
  transaction<T>(work: (tx: StoreTx) => Promise<T>): Promise<T>;
  /**
   * Calls `listener` each time `transaction` is about to run its work again after a conflict
   * (never on SQLite). A retried deadlock costs PostgreSQL's `deadlock_timeout` (1 s by default).
   */
  onTransactionRetry(listener: (retry: TransactionRetry) => void): void;
  migrate(): Promise<void>;
  /** Resolves when the store answers a trivial query. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export type { RevocationKind };
