import type { ClientId, SessionId, UserId } from './ids.js';

/** The validated parameters of an authorization request, kept while the user logs in. */
export interface AuthorizationRequest {
  readonly clientId: ClientId;
  readonly redirectUri: string;
  readonly scope: string;
  readonly state: string | null;
  readonly nonce: string | null;
  /** PKCE S256 challenge; null only for a confidential client that sent none. */
  readonly codeChallenge: string | null;
  /** `max_age` in seconds, null when absent. */
  readonly maxAgeSeconds: number | null;
  /** `prompt=login`: the user must type the password again even with a live SSO session. */
  readonly forceLogin: boolean;
  /** `prompt=consent`: ask for consent even when a grant is remembered. */
  readonly forceConsent?: boolean;
  /** `acr_values` asked for the second factor: a password-only session must do the TOTP step. */
  readonly requireMfa?: boolean;
}

/** A user's remembered Allow for a client and a set of scopes (the consent page's answer). */
export interface ConsentGrantRecord {
  readonly userId: UserId;
  readonly clientId: ClientId;
  /** Space-separated, sorted: a request for scopes outside it asks again. */
  readonly scope: string;
  readonly createdAt: Date;
}

/** A hosted-login page in progress (secrets as sha256 only). */
export interface LoginAttemptRecord {
  /** sha256 of the pre-login cookie's value. */
  readonly idHash: string;
  /** sha256 of the CSRF synchronizer token rendered into the current form. */
  readonly csrfHash: string;
  readonly request: AuthorizationRequest;
  /** Set once the password was right and the TOTP step is pending. */
  readonly userId: UserId | null;
  /** Set when the user is signed in (this SSO session) and the consent page is pending. */
  readonly consentSessionId: SessionId | null;
  readonly expiresAt: Date;
}

/** A one-time authorization code (sha256 only). */
export interface AuthorizationCodeRecord {
  readonly codeHash: string;
  readonly clientId: ClientId;
  readonly redirectUri: string;
  readonly codeChallenge: string | null;
  readonly nonce: string | null;
  readonly scope: string;
  /** The SSO browser session the code was issued from. */
  readonly browserSessionId: SessionId;
  readonly userId: UserId;
  readonly createdAt: Date;
  readonly expiresAt: Date;
  readonly usedAt: Date | null;
  /** The session the redemption created: a replay of the code revokes it. */
  readonly issuedSessionId: SessionId | null;
}

/** The outbox channel of OpenID Connect Back-Channel Logout 1.0 deliveries. */
export const BACKCHANNEL_LOGOUT_KIND = 'backchannel_logout';
