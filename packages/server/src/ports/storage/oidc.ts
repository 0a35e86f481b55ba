import type { ClientId, SessionId, UserId } from '../../domain/ids.js';
import type {
  AuthorizationCodeRecord,
  ConsentGrantRecord,
  LoginAttemptRecord,
} from '../../domain/oidc-records.js';
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
