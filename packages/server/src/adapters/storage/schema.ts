import type { Generated } from 'kysely';
import type {
  ClientConsent,
  ClientType,
  TokenEndpointAuthMethod,
  OutboxStatus,
  RefreshTokenStatus,
  SessionStatus,
  SigningAlgorithm,
  SigningKeyStatus,
} from '../../domain/records.js';

/*
 * The tables as Kysely sees them, identical on SQLite and PostgreSQL:
 * - times are integer epoch milliseconds (`bigint` on PostgreSQL, parsed back to numbers),
 *   except revocation `at` / `expires_at`, which are NumericDates (unix seconds);
 * - booleans are integers 0/1;
 * - arrays and objects are JSON text.
 */

export interface UsersTable {
  id: string;
  username: string;
  /** Since 0007_identity: `normalizeUsername(username)`, unique; every lookup by name uses it. */
  username_normalized: string;
  email: string | null;
  password_hash: string | null;
  /** JSON array; mirrored in `user_roles` for set-based selection. */
  roles: string;
  /** JSON array; mirrored in `user_groups` for set-based selection. */
  groups: string;
  active: number;
  totp_secret: string | null;
  /** Since 0007_identity: a sealed TOTP secret enrolled but not yet confirmed (login ignores it). */
  totp_pending_secret: string | null;
  /** Since 0004_totp_replay: the last TOTP time step used to log in (codes are single-use). */
  totp_last_step: number | null;
  mfa_required: number;
  created_at: number;
  updated_at: number;
  /** Since 0002_business_events (SCIM); indexed. */
  external_id: string | null;
  display_name: string | null;
  given_name: string | null;
  family_name: string | null;
}

export interface UserRolesTable {
  user_id: string;
  role: string;
}

export interface UserGroupsTable {
  user_id: string;
  group_name: string;
}

export interface SessionsTable {
  id: string;
  user_id: string;
  client_id: string;
  status: SessionStatus;
  created_at: number;
  last_seen_at: number;
  idle_expires_at: number;
  absolute_expires_at: number;
  ip: string | null;
  user_agent: string | null;
  /** JSON array. */
  amr: string;
  revoked_at: number | null;
  revoked_reason: string | null;
  /** OAuth scope granted to an OpenID Connect relying party's session (0011_oidc_clients); else null. */
  scope: string | null;
  /** When the user authenticated, if before the session began (a relying party's session); else null. */
  auth_time: number | null;
}

export interface RefreshTokensTable {
  id: string;
  session_id: string;
  token_hash: string;
  status: RefreshTokenStatus;
  created_at: number;
  rotated_at: number | null;
  expires_at: number;
}

export interface ClientsTable {
  id: string;
  name: string;
  type: ClientType;
  secret_hash: string | null;
  /** JSON array. */
  grant_types: string;
  /** JSON array. */
  roles: string;
  created_at: number;
  /** JSON array (0011_oidc_clients). */
  redirect_uris: string;
  /** JSON array. */
  post_logout_redirect_uris: string;
  backchannel_logout_uri: string | null;
  /** 0 or 1. */
  backchannel_logout_session_required: number;
  token_endpoint_auth_method: TokenEndpointAuthMethod;
  consent: ClientConsent;
  /** JSON JWKS or null (0014_sso_consent). */
  jwks: string | null;
  jwks_uri: string | null;
  id_token_signed_response_alg: string;
}

export interface ApiKeysTable {
  id: string;
  name: string;
  key_hash: string;
  /** JSON array. */
  scopes: string;
  created_at: number;
  created_by_type: string | null;
  created_by_id: string | null;
  expires_at: number | null;
  last_used_at: number | null;
  revoked_at: number | null;
}

export interface SigningKeysTable {
  kid: string;
  alg: SigningAlgorithm;
  private_jwk: string;
  public_jwk: string;
  status: SigningKeyStatus;
  created_at: number;
}

export interface RevocationsTable {
  /** Assigned by the database (autoincrement / identity) while the append lock is held. */
  seq: Generated<number>;
  id: string;
  kind: string;
  key: string;
  /** Unix seconds. */
  at: number;
  /** Unix seconds. */
  expires_at: number;
  reason: string;
  note: string | null;
  actor_type: string;
  actor_id: string;
  created_at: number;
}

export interface AuditEventsTable {
  seq: number;
  ts: number;
  action: string;
  actor_type: string;
  actor_id: string;
  target_type: string | null;
  target_id: string | null;
  /** JSON object `{ reason, counts, request, details }`. */
  data: string;
  prev_hash: string;
  hash: string;
}

/** Since 0002_business_events. Metadata for a group name; membership is in `user_groups`. */
export interface GroupsTable {
  id: string;
  name: string;
  display_name: string;
  external_id: string | null;
  end_at: number | null;
  ended_at: number | null;
  /** Since 0009_group_member_deactivation: `none` or `exclusive`. */
  deactivate_members: string;
  created_at: number;
  updated_at: number;
}

/** Since 0002_business_events. */
export interface OutboxTable {
  id: string;
  kind: string;
  /** JSON object. */
  payload: string;
  status: OutboxStatus;
  attempts: number;
  next_attempt_at: number;
  last_error: string | null;
  created_at: number;
  delivered_at: number | null;
}

/** Since 0002_business_events. Primary key (source, event_id). */
export interface WebhookEventsTable {
  source: string;
  event_id: string;
  received_at: number;
}

/** Since 0006_login_failures. Primary key (key, window_start). */
export interface LoginFailuresTable {
  key: string;
  window_start: number;
  failures: number;
}

/** Since 0010_canary. */
export interface CanaryProbesTable {
  name: string;
  url: string;
  method: string;
  /** JSON array of header names. */
  header_names: string;
  sealed_headers: string | null;
  timeout_ms: number;
  created_at: number;
  updated_at: number;
}

/** Since 0010_canary. */
export interface CanaryRunsTable {
  id: string;
  started_at: number;
  finished_at: number;
  kind: string;
  ok: number;
  /** JSON: probes, refresh_refused, introspection_inactive, guards, error. */
  result: string;
}

/** Since 0010_canary. One row per named lease (work one replica does at a time). */
export interface LeasesTable {
  name: string;
  holder: string;
  expires_at: number;
}

/** Since 0011_oidc_clients. */
export interface OidcBrowserSessionsTable {
  cookie_hash: string;
  session_id: string;
  created_at: number;
}

export interface OidcLoginAttemptsTable {
  id_hash: string;
  csrf_hash: string;
  /** JSON of the AuthorizationRequest. */
  request: string;
  user_id: string | null;
  expires_at: number;
  /** 0014_sso_consent: the SSO session awaiting the consent page, or null. */
  consent_session_id: string | null;
}

export interface OidcAuthorizationCodesTable {
  code_hash: string;
  client_id: string;
  redirect_uri: string;
  code_challenge: string | null;
  nonce: string | null;
  scope: string;
  browser_session_id: string;
  user_id: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
  issued_session_id: string | null;
}

/** Since 0012_destinations. */
export interface DestinationsTable {
  name: string;
  type: string;
  format: string;
  /** JSON of the type's non-secret fields. */
  config: string;
  sealed_secrets: string | null;
  max_attempts: number;
  delivered_seq: number;
  attempts: number;
  next_attempt_at: number;
  last_error: string | null;
  last_delivered_at: number | null;
  paused: number;
  created_at: number;
  updated_at: number;
}

/** Since 0012_destinations. Primary key (destination, seq). */
export interface DestinationDeadLettersTable {
  destination: string;
  seq: number;
  attempts: number;
  last_error: string;
  dead_at: number;
  retry_requested: number;
}

/** A `private_key_jwt` assertion's `jti`, kept until its `exp` so a replay is refused. */
export interface OidcClientAssertionsTable {
  client_id: string;
  jti: string;
  expires_at: number;
}

/** A remembered consent: user + client -> the scopes allowed. */
export interface OidcConsentGrantsTable {
  user_id: string;
  client_id: string;
  scope: string;
  created_at: number;
}

export interface Database {
  users: UsersTable;
  user_roles: UserRolesTable;
  user_groups: UserGroupsTable;
  sessions: SessionsTable;
  refresh_tokens: RefreshTokensTable;
  clients: ClientsTable;
  api_keys: ApiKeysTable;
  signing_keys: SigningKeysTable;
  revocations: RevocationsTable;
  audit_events: AuditEventsTable;
  groups: GroupsTable;
  outbox: OutboxTable;
  webhook_events: WebhookEventsTable;
  login_failures: LoginFailuresTable;
  canary_probes: CanaryProbesTable;
  canary_runs: CanaryRunsTable;
  leases: LeasesTable;
  oidc_browser_sessions: OidcBrowserSessionsTable;
  oidc_login_attempts: OidcLoginAttemptsTable;
  oidc_authorization_codes: OidcAuthorizationCodesTable;
  oidc_client_assertions: OidcClientAssertionsTable;
  oidc_consent_grants: OidcConsentGrantsTable;
  destinations: DestinationsTable;
  destination_dead_letters: DestinationDeadLettersTable;
  ssf_transmitters: SsfTransmittersTable;
}

/** Since 0013_ssf_receiver. */
export interface SsfTransmittersTable {
  name: string;
  issuer: string;
  jwks_uri: string;
  audience: string | null;
  max_age_seconds: number;
  created_at: number;
  updated_at: number;
}

export type StoreDialect = 'sqlite' | 'postgres';
