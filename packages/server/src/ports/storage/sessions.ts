import type { SessionId, UserId } from '../../domain/ids.js';
import type { SessionRecord, UserRecord } from '../../domain/records.js';
import type { SessionSelector } from '../../domain/session-selector.js';

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
