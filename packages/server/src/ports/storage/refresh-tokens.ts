import type { RefreshTokenRecord } from '../../domain/records.js';
import type { SessionSelector } from '../../domain/session-selector.js';

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
