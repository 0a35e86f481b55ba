import type { ClientId, SessionId, UserId } from '../../domain/ids.js';
import type { AuthorizationCodeRecord, LoginAttemptRecord } from '../../domain/oidc-records.js';
import type { SessionSelector } from '../../domain/session-selector.js';

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
  updateLoginAttempt(
    idHash: string,
    changes: { readonly csrfHash?: string; readonly userId?: UserId | null },
  ): Promise<void>;
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
  /** Deletes expired login attempts and codes older than `before`; returns how many. */
  purgeExpired(before: Date): Promise<number>;
}
