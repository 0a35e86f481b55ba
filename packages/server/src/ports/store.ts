import type { RevocationKind } from '@cutoff/guard/rule';
import type {
  ApiKeyRecord,
  AuditEventRecord,
  ClientRecord,
  NewAuditEvent,
  NewRevocation,
  RefreshTokenRecord,
  RevocationRecord,
  SessionRecord,
  SigningKeyRecord,
  UserRecord,
} from '../domain/records.js';
import type { ClientId, RefreshTokenId, SessionId, UserId } from '../domain/ids.js';

/** The set of sessions a revocation covers (kind `token` covers no session). */
export type SessionSelector =
  | { readonly kind: 'session'; readonly key: string }
  | { readonly kind: 'user'; readonly key: string }
  | { readonly kind: 'group'; readonly key: string }
  | { readonly kind: 'role'; readonly key: string }
  | { readonly kind: 'client'; readonly key: string }
  | { readonly kind: 'all'; readonly key: '*' };

export interface UserPatch {
  readonly email?: string | null;
  readonly passwordHash?: string | null;
  readonly roles?: readonly string[];
  readonly groups?: readonly string[];
  readonly active?: boolean;
  readonly totpSecret?: string | null;
  readonly mfaRequired?: boolean;
  readonly updatedAt: Date;
}

export interface Page<T> {
  readonly items: readonly T[];
  /** Opaque; pass back to get the next page. Null on the last page. */
  readonly nextCursor: string | null;
}

export interface UserRepository {
  /** Throws `CutoffError('ERR_CONFLICT')` on a duplicate username. */
  insert(user: UserRecord): Promise<void>;
  findById(id: UserId): Promise<UserRecord | undefined>;
  findByUsername(username: string): Promise<UserRecord | undefined>;
  list(query: {
    readonly username?: string;
    readonly limit: number;
    readonly cursor?: string;
  }): Promise<Page<UserRecord>>;
  /** Returns the updated user, or undefined when it does not exist. */
  update(id: UserId, patch: UserPatch): Promise<UserRecord | undefined>;
}

export interface SessionRepository {
  insert(session: SessionRecord): Promise<void>;
  findById(id: SessionId): Promise<SessionRecord | undefined>;
  listByUser(userId: UserId): Promise<readonly SessionRecord[]>;
  /** Extends the idle lifetime of an active session. */
  touch(id: SessionId, lastSeenAt: Date, idleExpiresAt: Date): Promise<void>;
  /** Marks every active session the selector covers as revoked; returns how many. */
  revoke(selector: SessionSelector, at: Date, reason: string): Promise<number>;
  /** How many active sessions the selector covers (for dry runs). */
  countActive(selector: SessionSelector): Promise<number>;
  /** Ends one session at the user's request (logout). Returns false if it was not active. */
  end(id: SessionId, at: Date): Promise<boolean>;
}

export interface RefreshTokenRepository {
  insert(token: RefreshTokenRecord): Promise<void>;
  findByHash(tokenHash: string): Promise<RefreshTokenRecord | undefined>;
  /**
   * Retires an active token if, and only if, it is still active: the compare-and-set that makes
   * exactly one of two concurrent refreshes win. Returns true for the winner.
   */
  markRotated(id: RefreshTokenId, at: Date): Promise<boolean>;
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
  list(): Promise<readonly ApiKeyRecord[]>;
  touch(id: ApiKeyRecord['id'], at: Date): Promise<void>;
}

export interface SigningKeyRepository {
  insert(key: SigningKeyRecord): Promise<void>;
  /** Current and previous keys, current first. */
  listPublished(): Promise<readonly SigningKeyRecord[]>;
  /** current -> previous, previous -> retired; the caller then inserts the new current key. */
  demoteAll(): Promise<void>;
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
}

/**
 * The storage port. Every backend (SQLite, PostgreSQL) passes the same conformance suite.
 * Repositories used outside `transaction` run each call on its own.
 */
export interface Store extends StoreTx {
  readonly dialect: 'sqlite' | 'postgres';
  /** All-or-nothing: if `work` throws, nothing it wrote is kept. */
  transaction<T>(work: (tx: StoreTx) => Promise<T>): Promise<T>;
  migrate(): Promise<void>;
  /** Resolves when the store answers a trivial query. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export type { RevocationKind };
