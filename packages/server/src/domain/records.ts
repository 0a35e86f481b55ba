import type { RevocationKind } from '@cutoff/guard/rule';
import type { AuditAction } from './audit-actions.js';
import type { ApiKeyId, ClientId, RefreshTokenId, RevocationId, SessionId, UserId } from './ids.js';

export interface UserRecord {
  readonly id: UserId;
  readonly username: string;
  readonly email: string | null;
  /** argon2id PHC string; null for accounts that cannot log in with a password. */
  readonly passwordHash: string | null;
  readonly roles: readonly string[];
  readonly groups: readonly string[];
  readonly active: boolean;
  /** Base32 TOTP secret (sealed in the store); null until an enrolment is confirmed. */
  readonly totpSecret: string | null;
  /**
   * A TOTP secret enrolled but not yet confirmed with a first valid code: login ignores it until
   * confirmation makes it `totpSecret`. Optional in the type like the SCIM attributes below.
   */
  readonly totpPendingSecret?: string | null;
  /** Forces MFA at the next login (step-up after a security incident). */
  readonly mfaRequired: boolean;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  /*
   * SCIM attributes. Optional in the type so records built before they existed still compile;
   * the store always reads them back, as null when unset.
   */
  /** The identity provider's id for the user (SCIM `externalId`); indexed. */
  readonly externalId?: string | null;
  readonly displayName?: string | null;
  readonly givenName?: string | null;
  readonly familyName?: string | null;
}

export type SessionStatus = 'active' | 'revoked' | 'ended';

export interface SessionRecord {
  readonly id: SessionId;
  readonly userId: UserId;
  readonly clientId: ClientId;
  readonly status: SessionStatus;
  readonly createdAt: Date;
  readonly lastSeenAt: Date;
  readonly idleExpiresAt: Date;
  readonly absoluteExpiresAt: Date;
  readonly ip: string | null;
  readonly userAgent: string | null;
  readonly amr: readonly string[];
  readonly revokedAt: Date | null;
  readonly revokedReason: string | null;
  /**
   * The scope an OpenID Connect relying party was granted (`openid email …`): every access token
   * of the session carries it, refreshed ones too. Optional in the type; read back as null.
   */
  readonly scope?: string | null;
  /**
   * When the user authenticated, for a session that began later (a relying party's session
   * opened from the SSO session): the `auth_time` of its tokens. Null or absent: `createdAt`.
   */
  readonly authTime?: Date | null;
}

export type RefreshTokenStatus = 'active' | 'rotated' | 'revoked';

export interface RefreshTokenRecord {
  readonly id: RefreshTokenId;
  readonly sessionId: SessionId;
  /** sha256 (hex) of the opaque token; the token itself is never stored. */
  readonly tokenHash: string;
  readonly status: RefreshTokenStatus;
  readonly createdAt: Date;
  readonly rotatedAt: Date | null;
  readonly expiresAt: Date;
}

export type ClientType = 'public' | 'confidential';
/**
 * RFC 7591 `token_endpoint_auth_method`: `none` for public clients; a secret, or a JWT signed
 * with the client's own key (`private_key_jwt`, RFC 7523), for confidential ones.
 */
export type TokenEndpointAuthMethod =
  'client_secret_basic' | 'client_secret_post' | 'private_key_jwt' | 'none';
/** The algorithms Cutoff signs ID tokens and logout tokens with; a client pins one. */
export const ID_TOKEN_SIGNING_ALGS = ['RS256', 'ES256', 'EdDSA'] as const;
export type IdTokenSigningAlg = (typeof ID_TOKEN_SIGNING_ALGS)[number];
/** A JSON Web Key Set of public keys (RFC 7517 section 5), as the client registered it. */
export interface PublicJwks {
  readonly keys: readonly Readonly<Record<string, unknown>>[];
}
/** First-party clients (`none`) skip the consent screen; third-party ones are `required`. */
export type ClientConsent = 'none' | 'required';

export interface ClientRecord {
  readonly id: ClientId;
  readonly name: string;
  readonly type: ClientType;
  /** sha256 (hex) of the generated client secret; null for public clients. */
  readonly secretHash: string | null;
  readonly grantTypes: readonly string[];
  /** Roles carried by client_credentials tokens of this client. */
  readonly roles: readonly string[];
  readonly createdAt: Date;
  /** OpenID Connect: where authorization responses may go, matched exactly. */
  readonly redirectUris: readonly string[];
  /** RP-Initiated Logout: where the end-session endpoint may send the browser back to. */
  readonly postLogoutRedirectUris: readonly string[];
  /** Back-Channel Logout 1.0 receiver; null when the client registered none. */
  readonly backchannelLogoutUri: string | null;
  readonly backchannelLogoutSessionRequired: boolean;
  readonly tokenEndpointAuthMethod: TokenEndpointAuthMethod;
  readonly consent: ClientConsent;
  /** `private_key_jwt`: the client's public keys, registered inline (or null)… */
  readonly jwks: PublicJwks | null;
  /** …or fetched from this https (or loopback http) URL. */
  readonly jwksUri: string | null;
  /**
   * `id_token_signed_response_alg` (always RS256 for now): stored so ID and logout tokens can keep
   * it across key rotations; the signer does not pin it yet and the API does not accept it yet.
   */
  readonly idTokenSignedResponseAlg: IdTokenSigningAlg;
}

export const API_KEY_SCOPES = ['admin', 'feed:read', 'scim', 'introspect', 'hooks'] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

export interface ApiKeyRecord {
  readonly id: ApiKeyId;
  readonly name: string;
  /** sha256 (hex) of the key; the key itself is shown once at creation. */
  readonly keyHash: string;
  readonly scopes: readonly ApiKeyScope[];
  readonly createdAt: Date;
  /** Who created it; null for keys created before creators were recorded. */
  readonly createdBy: Actor | null;
  /** After this instant the key authenticates nothing; null: no expiry. */
  readonly expiresAt: Date | null;
  /** Coalesced: written at most once per flush interval per replica, never once per request. */
  readonly lastUsedAt: Date | null;
  readonly revokedAt: Date | null;
}

export type ApiKeyStatus = 'active' | 'expired' | 'revoked';

/** Revoked wins over expired: it is the stronger statement (someone cut it off). */
export const apiKeyStatus = (key: ApiKeyRecord, now: Date): ApiKeyStatus => {
  if (key.revokedAt !== null) return 'revoked';
  if (key.expiresAt !== null && key.expiresAt.getTime() <= now.getTime()) return 'expired';
  return 'active';
};

export type SigningKeyStatus = 'current' | 'previous' | 'retired';
export type SigningAlgorithm = 'RS256' | 'ES256' | 'EdDSA';

export interface SigningKeyRecord {
  readonly kid: string;
  readonly alg: SigningAlgorithm;
  /** JWK JSON of the private key. */
  readonly privateJwk: string;
  /** JWK JSON of the public key, as published in the JWKS. */
  readonly publicJwk: string;
  readonly status: SigningKeyStatus;
  readonly createdAt: Date;
}

export interface Actor {
  readonly type:
    | 'admin'
    | 'api_key'
    | 'user'
    | 'client'
    | 'system'
    | 'scim'
    | 'webhook'
    | 'canary'
    /** A trusted Shared Signals transmitter (its SETs, its signed Global Token Revocation calls). */
    | 'ssf_transmitter';
  readonly id: string;
}

export interface RevocationRecord {
  readonly seq: number;
  readonly id: RevocationId;
  readonly kind: RevocationKind;
  readonly key: string;
  /** NumericDate (seconds): the watermark. */
  readonly at: number;
  /** NumericDate (seconds) after which no token the entry could match is valid. */
  readonly expiresAt: number;
  readonly reason: string;
  readonly note: string | null;
  readonly actor: Actor;
  readonly createdAt: Date;
}

export type NewRevocation = Omit<RevocationRecord, 'seq'>;

export interface AuditTarget {
  readonly type: string;
  readonly id: string;
}

export interface AuditRequestInfo {
  readonly ip: string | null;
  readonly user_agent: string | null;
}

/** The fields every audit event has, whatever its action. */
export interface AuditEventFields {
  readonly ts: Date;
  readonly actor: Actor;
  readonly target: AuditTarget | null;
  readonly reason: string | null;
  readonly counts: Readonly<Record<string, number>> | null;
  readonly request: AuditRequestInfo | null;
  /** Non-secret context (e.g. the revocation seq, a username). */
  readonly details: Readonly<Record<string, unknown>> | null;
}

/** What a use-case hands the store; seq and the hash chain are assigned by the store. */
export interface NewAuditEvent extends AuditEventFields {
  readonly action: AuditAction;
}

/**
 * An event read back. Its action stays a string: a row written by a newer release (after a
 * rollback) may carry an action this one does not know, and it must still be listed, exported
 * and verified, not rejected.
 */
export interface AuditEventRecord extends AuditEventFields {
  readonly action: string;
  readonly seq: number;
  readonly prevHash: string;
  readonly hash: string;
}

/**
 * Optional metadata for a group name (SCIM groups, contractor end dates). Membership itself lives
 * with the users (`UserRecord.groups`), by name; a name needs no group record to be used.
 */
/**
 * What ending a group does to its members' accounts: `none` leaves them (they only lose the
 * group), `exclusive` deactivates every member who belongs to no other group, so a contractor
 * whose only reason to have an account was the project cannot log in any more.
 */
export const MEMBER_DEACTIVATIONS = ['none', 'exclusive'] as const;
export type MemberDeactivation = (typeof MEMBER_DEACTIVATIONS)[number];

export interface GroupRecord {
  /** `grp_…` */
  readonly id: string;
  /** The name tokens carry in `groups` and revocations of kind `group` key on. Unique. */
  readonly name: string;
  readonly displayName: string;
  /** The identity provider's id for the group (SCIM `externalId`); indexed. */
  readonly externalId: string | null;
  /** Contractor end date: members' tokens carry it as `access_until`; the group is revoked then. */
  readonly endAt: Date | null;
  /** When the group was ended (revoked at its end date, or early). */
  readonly endedAt: Date | null;
  /** What its end (the schedule or End Project) does to members' accounts; End Project may override. */
  readonly deactivateMembers: MemberDeactivation;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export type OutboxStatus = 'pending' | 'delivered' | 'dead';

/** A durable notification, committed with the change that caused it and delivered at least once. */
export interface OutboxMessage {
  readonly id: string;
  /** The channel, e.g. 'email' or 'sms'. */
  readonly kind: string;
  /** JSON-serializable; what the channel needs to deliver (no secrets or tokens). */
  readonly payload: Readonly<Record<string, unknown>>;
  readonly status: OutboxStatus;
  /** Delivery attempts started so far (each claim counts one). */
  readonly attempts: number;
  /** When the message is next due; while claimed, the end of the claimer's lease. */
  readonly nextAttemptAt: Date;
  readonly lastError: string | null;
  readonly createdAt: Date;
  readonly deliveredAt: Date | null;
}
