import type { Selectable } from 'kysely';
import { isRevocationKind } from '@cutoff/guard/rule';
import { MEMBER_DEACTIVATIONS } from '../../domain/records.js';
import type {
  Actor,
  ApiKeyRecord,
  ApiKeyScope,
  AuditEventRecord,
  AuditRequestInfo,
  ClientRecord,
  GroupRecord,
  IdTokenSigningAlg,
  MemberDeactivation,
  PublicJwks,
  OutboxMessage,
  RefreshTokenRecord,
  RevocationRecord,
  SessionRecord,
  SigningKeyRecord,
  UserRecord,
} from '../../domain/records.js';
import {
  apiKeyIdFromStore,
  clientIdFromStore,
  refreshTokenIdFromStore,
  revocationIdFromStore,
  sessionIdFromStore,
  userIdFromStore,
} from '../../domain/ids.js';
import { normalizeUsername } from '../../domain/username.js';
import type {
  ApiKeysTable,
  AuditEventsTable,
  ClientsTable,
  GroupsTable,
  OutboxTable,
  RefreshTokensTable,
  RevocationsTable,
  SessionsTable,
  SigningKeysTable,
  UsersTable,
} from './schema.js';

/** Converts between domain records and rows; the only place that knows both shapes. */

export const toMillis = (date: Date): number => date.getTime();
export const fromMillis = (millis: number): Date => new Date(Number(millis));
export const toMillisOrNull = (date: Date | null): number | null => (date === null ? null : date.getTime());
export const fromMillisOrNull = (millis: number | null): Date | null =>
  millis === null ? null : fromMillis(millis);
export const toFlag = (value: boolean): number => (value ? 1 : 0);
const fromFlag = (value: number): boolean => Number(value) !== 0;

export const toJsonText = (value: unknown): string => JSON.stringify(value);

const corrupt = (what: string): Error => new Error(`stored ${what} is not valid`);

const parseJson = (text: string, what: string): unknown => {
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    throw new Error(`stored ${what} is not valid JSON`, { cause });
  }
};

export const parseStringArray = (text: string, what: string): string[] => {
  const value = parseJson(text, what);
  if (!Array.isArray(value) || !value.every((item): item is string => typeof item === 'string')) {
    throw corrupt(what);
  }
  return value;
};

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * `totp_last_step` is not part of the record (see `claimTotpStep`), nor is `username_normalized`
 * (derived from `username`), so rows need not carry them.
 */
export const rowToUser = (
  row: Omit<Selectable<UsersTable>, 'totp_last_step' | 'username_normalized'>,
): UserRecord => ({
  id: userIdFromStore(row.id),
  username: row.username,
  email: row.email,
  passwordHash: row.password_hash,
  roles: parseStringArray(row.roles, 'user roles'),
  groups: parseStringArray(row.groups, 'user groups'),
  active: fromFlag(row.active),
  totpSecret: row.totp_secret,
  totpPendingSecret: row.totp_pending_secret,
  mfaRequired: fromFlag(row.mfa_required),
  createdAt: fromMillis(row.created_at),
  updatedAt: fromMillis(row.updated_at),
  externalId: row.external_id,
  displayName: row.display_name,
  givenName: row.given_name,
  familyName: row.family_name,
});

/** Without `totp_last_step`, which only `claimTotpStep` writes (a new user has used no code). */
export const userToRow = (user: UserRecord): Omit<Selectable<UsersTable>, 'totp_last_step'> => ({
  id: user.id,
  username: user.username,
  username_normalized: normalizeUsername(user.username),
  email: user.email,
  password_hash: user.passwordHash,
  roles: toJsonText(user.roles),
  groups: toJsonText(user.groups),
  active: toFlag(user.active),
  totp_secret: user.totpSecret,
  totp_pending_secret: user.totpPendingSecret ?? null,
  mfa_required: toFlag(user.mfaRequired),
  created_at: toMillis(user.createdAt),
  updated_at: toMillis(user.updatedAt),
  external_id: user.externalId ?? null,
  display_name: user.displayName ?? null,
  given_name: user.givenName ?? null,
  family_name: user.familyName ?? null,
});

const isMemberDeactivation = (value: string): value is MemberDeactivation =>
  (MEMBER_DEACTIVATIONS as readonly string[]).includes(value);

export const rowToGroup = (row: Selectable<GroupsTable>): GroupRecord => {
  if (!isMemberDeactivation(row.deactivate_members)) throw corrupt('group deactivate_members');
  return {
    id: row.id,
    name: row.name,
    displayName: row.display_name,
    externalId: row.external_id,
    endAt: fromMillisOrNull(row.end_at),
    endedAt: fromMillisOrNull(row.ended_at),
    deactivateMembers: row.deactivate_members,
    createdAt: fromMillis(row.created_at),
    updatedAt: fromMillis(row.updated_at),
  };
};

export const groupToRow = (group: GroupRecord): Selectable<GroupsTable> => ({
  id: group.id,
  name: group.name,
  display_name: group.displayName,
  external_id: group.externalId,
  end_at: toMillisOrNull(group.endAt),
  ended_at: toMillisOrNull(group.endedAt),
  deactivate_members: group.deactivateMembers,
  created_at: toMillis(group.createdAt),
  updated_at: toMillis(group.updatedAt),
});

const OUTBOX_STATUSES: ReadonlySet<string> = new Set<OutboxMessage['status']>([
  'pending',
  'delivered',
  'dead',
]);

export const rowToOutboxMessage = (row: Selectable<OutboxTable>): OutboxMessage => {
  if (!OUTBOX_STATUSES.has(row.status)) throw corrupt('outbox status');
  const payload = parseJson(row.payload, 'outbox payload');
  if (!isRecord(payload)) throw corrupt('outbox payload');
  return {
    id: row.id,
    kind: row.kind,
    payload,
    status: row.status,
    attempts: Number(row.attempts),
    nextAttemptAt: fromMillis(row.next_attempt_at),
    lastError: row.last_error,
    createdAt: fromMillis(row.created_at),
    deliveredAt: fromMillisOrNull(row.delivered_at),
  };
};

export const outboxMessageToRow = (message: OutboxMessage): Selectable<OutboxTable> => ({
  id: message.id,
  kind: message.kind,
  payload: toJsonText(message.payload),
  status: message.status,
  attempts: message.attempts,
  next_attempt_at: toMillis(message.nextAttemptAt),
  last_error: message.lastError,
  created_at: toMillis(message.createdAt),
  delivered_at: toMillisOrNull(message.deliveredAt),
});

export const rowToSession = (row: Selectable<SessionsTable>): SessionRecord => ({
  id: sessionIdFromStore(row.id),
  userId: userIdFromStore(row.user_id),
  clientId: clientIdFromStore(row.client_id),
  status: row.status,
  createdAt: fromMillis(row.created_at),
  lastSeenAt: fromMillis(row.last_seen_at),
  idleExpiresAt: fromMillis(row.idle_expires_at),
  absoluteExpiresAt: fromMillis(row.absolute_expires_at),
  ip: row.ip,
  userAgent: row.user_agent,
  amr: parseStringArray(row.amr, 'session amr'),
  revokedAt: fromMillisOrNull(row.revoked_at),
  revokedReason: row.revoked_reason,
  scope: row.scope,
  authTime: fromMillisOrNull(row.auth_time),
});

export const sessionToRow = (session: SessionRecord): Selectable<SessionsTable> => ({
  id: session.id,
  user_id: session.userId,
  client_id: session.clientId,
  status: session.status,
  created_at: toMillis(session.createdAt),
  last_seen_at: toMillis(session.lastSeenAt),
  idle_expires_at: toMillis(session.idleExpiresAt),
  absolute_expires_at: toMillis(session.absoluteExpiresAt),
  ip: session.ip,
  user_agent: session.userAgent,
  amr: toJsonText(session.amr),
  revoked_at: toMillisOrNull(session.revokedAt),
  revoked_reason: session.revokedReason,
  scope: session.scope ?? null,
  auth_time: toMillisOrNull(session.authTime ?? null),
});

export const rowToRefreshToken = (row: Selectable<RefreshTokensTable>): RefreshTokenRecord => ({
  id: refreshTokenIdFromStore(row.id),
  sessionId: sessionIdFromStore(row.session_id),
  tokenHash: row.token_hash,
  status: row.status,
  createdAt: fromMillis(row.created_at),
  rotatedAt: fromMillisOrNull(row.rotated_at),
  expiresAt: fromMillis(row.expires_at),
});

export const refreshTokenToRow = (token: RefreshTokenRecord): Selectable<RefreshTokensTable> => ({
  id: token.id,
  session_id: token.sessionId,
  token_hash: token.tokenHash,
  status: token.status,
  created_at: toMillis(token.createdAt),
  rotated_at: toMillisOrNull(token.rotatedAt),
  expires_at: toMillis(token.expiresAt),
});

export const rowToClient = (row: Selectable<ClientsTable>): ClientRecord => ({
  id: clientIdFromStore(row.id),
  name: row.name,
  type: row.type,
  secretHash: row.secret_hash,
  grantTypes: parseStringArray(row.grant_types, 'client grant types'),
  roles: parseStringArray(row.roles, 'client roles'),
  createdAt: fromMillis(row.created_at),
  redirectUris: parseStringArray(row.redirect_uris, 'client redirect URIs'),
  postLogoutRedirectUris: parseStringArray(row.post_logout_redirect_uris, 'client post-logout redirect URIs'),
  backchannelLogoutUri: row.backchannel_logout_uri,
  backchannelLogoutSessionRequired: row.backchannel_logout_session_required === 1,
  tokenEndpointAuthMethod: row.token_endpoint_auth_method,
  consent: row.consent,
  jwks: row.jwks === null ? null : (JSON.parse(row.jwks) as PublicJwks),
  jwksUri: row.jwks_uri,
  idTokenSignedResponseAlg: row.id_token_signed_response_alg as IdTokenSigningAlg,
});

export const clientToRow = (client: ClientRecord): Selectable<ClientsTable> => ({
  id: client.id,
  name: client.name,
  type: client.type,
  secret_hash: client.secretHash,
  grant_types: toJsonText(client.grantTypes),
  roles: toJsonText(client.roles),
  created_at: toMillis(client.createdAt),
  redirect_uris: toJsonText(client.redirectUris),
  post_logout_redirect_uris: toJsonText(client.postLogoutRedirectUris),
  backchannel_logout_uri: client.backchannelLogoutUri,
  backchannel_logout_session_required: client.backchannelLogoutSessionRequired ? 1 : 0,
  token_endpoint_auth_method: client.tokenEndpointAuthMethod,
  consent: client.consent,
  jwks: client.jwks === null ? null : JSON.stringify(client.jwks),
  jwks_uri: client.jwksUri,
  id_token_signed_response_alg: client.idTokenSignedResponseAlg,
});

export const rowToApiKey = (row: Selectable<ApiKeysTable>): ApiKeyRecord => ({
  id: apiKeyIdFromStore(row.id),
  name: row.name,
  keyHash: row.key_hash,
  scopes: parseStringArray(row.scopes, 'api key scopes') as ApiKeyScope[],
  createdAt: fromMillis(row.created_at),
  createdBy:
    row.created_by_type === null || row.created_by_id === null
      ? null
      : { type: row.created_by_type as Actor['type'], id: row.created_by_id },
  expiresAt: fromMillisOrNull(row.expires_at),
  lastUsedAt: fromMillisOrNull(row.last_used_at),
  revokedAt: fromMillisOrNull(row.revoked_at),
});

export const apiKeyToRow = (key: ApiKeyRecord): Selectable<ApiKeysTable> => ({
  id: key.id,
  name: key.name,
  key_hash: key.keyHash,
  scopes: toJsonText(key.scopes),
  created_at: toMillis(key.createdAt),
  created_by_type: key.createdBy?.type ?? null,
  created_by_id: key.createdBy?.id ?? null,
  expires_at: toMillisOrNull(key.expiresAt),
  last_used_at: toMillisOrNull(key.lastUsedAt),
  revoked_at: toMillisOrNull(key.revokedAt),
});

export const rowToSigningKey = (row: Selectable<SigningKeysTable>): SigningKeyRecord => ({
  kid: row.kid,
  alg: row.alg,
  privateJwk: row.private_jwk,
  publicJwk: row.public_jwk,
  status: row.status,
  createdAt: fromMillis(row.created_at),
});

export const signingKeyToRow = (key: SigningKeyRecord): Selectable<SigningKeysTable> => ({
  kid: key.kid,
  alg: key.alg,
  private_jwk: key.privateJwk,
  public_jwk: key.publicJwk,
  status: key.status,
  created_at: toMillis(key.createdAt),
});

const toActor = (type: string, id: string): Actor => ({ type: type as Actor['type'], id });

export const rowToRevocation = (row: Selectable<RevocationsTable>): RevocationRecord => {
  if (!isRevocationKind(row.kind)) throw corrupt('revocation kind');
  return {
    seq: Number(row.seq),
    id: revocationIdFromStore(row.id),
    kind: row.kind,
    key: row.key,
    at: Number(row.at),
    expiresAt: Number(row.expires_at),
    reason: row.reason,
    note: row.note,
    actor: toActor(row.actor_type, row.actor_id),
    createdAt: fromMillis(row.created_at),
  };
};

/** The part of an audit event that is not a filterable column. */
export interface AuditEventData {
  readonly reason: string | null;
  readonly counts: Readonly<Record<string, number>> | null;
  readonly request: AuditRequestInfo | null;
  readonly details: Readonly<Record<string, unknown>> | null;
}

/**
 * Normalizes the data through JSON exactly as it will be read back, so the hash computed at
 * append time is the hash a verifier recomputes from the stored row.
 */
export const normalizeAuditData = (data: AuditEventData): AuditEventData => parseAuditData(toJsonText(data));

const parseAuditData = (text: string): AuditEventData => {
  const value = parseJson(text, 'audit event data');
  if (!isRecord(value)) throw corrupt('audit event data');
  const { reason, counts, request, details } = value;
  return {
    reason: typeof reason === 'string' ? reason : null,
    counts: isRecord(counts) ? (counts as Record<string, number>) : null,
    request: isRecord(request) ? (request as unknown as AuditRequestInfo) : null,
    details: isRecord(details) ? details : null,
  };
};

export const rowToAuditEvent = (row: Selectable<AuditEventsTable>): AuditEventRecord => {
  const data = parseAuditData(row.data);
  return {
    seq: Number(row.seq),
    ts: fromMillis(row.ts),
    action: row.action,
    actor: toActor(row.actor_type, row.actor_id),
    target:
      row.target_type === null || row.target_id === null
        ? null
        : { type: row.target_type, id: row.target_id },
    reason: data.reason,
    counts: data.counts,
    request: data.request,
    details: data.details,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
};
