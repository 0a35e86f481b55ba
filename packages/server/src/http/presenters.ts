import type { ApiKeyRecord, ClientRecord, SessionRecord, UserRecord } from '../domain/records.js';
import { apiKeyStatus } from '../domain/records.js';
import { exportedAuditEvent } from '../domain/audit-chain.js';

/** Records -> public JSON. Secrets (password hash, TOTP secret, secret hashes) never leave here. */

export const presentUser = (user: UserRecord) => ({
  id: user.id,
  username: user.username,
  email: user.email,
  roles: [...user.roles],
  groups: [...user.groups],
  active: user.active,
  mfa_enrolled: user.totpSecret !== null,
  mfa_pending: (user.totpPendingSecret ?? null) !== null,
  mfa_required: user.mfaRequired,
  created_at: user.createdAt.toISOString(),
  updated_at: user.updatedAt.toISOString(),
});

export const presentSession = (session: SessionRecord, now: Date) => {
  const expired =
    session.status === 'active' && (session.idleExpiresAt <= now || session.absoluteExpiresAt <= now);
  return {
    id: session.id,
    user_id: session.userId,
    status: expired ? ('expired' as const) : session.status,
    created_at: session.createdAt.toISOString(),
    last_seen_at: session.lastSeenAt.toISOString(),
    ip: session.ip,
    user_agent: session.userAgent,
    client_id: session.clientId,
    amr: [...session.amr],
    ...(session.revokedAt !== null && { revoked_at: session.revokedAt.toISOString() }),
    ...(session.revokedReason !== null && { revoked_reason: session.revokedReason }),
  };
};

export const presentClient = (client: ClientRecord, clientSecret?: string | null) => ({
  client_id: client.id,
  name: client.name,
  type: client.type,
  grant_types: [...client.grantTypes],
  roles: [...client.roles],
  created_at: client.createdAt.toISOString(),
  redirect_uris: [...client.redirectUris],
  post_logout_redirect_uris: [...client.postLogoutRedirectUris],
  backchannel_logout_uri: client.backchannelLogoutUri,
  backchannel_logout_session_required: client.backchannelLogoutSessionRequired,
  token_endpoint_auth_method: client.tokenEndpointAuthMethod,
  consent: client.consent,
  jwks: client.jwks === null ? null : { keys: client.jwks.keys.map((key) => ({ ...key })) },
  jwks_uri: client.jwksUri,
  ...(clientSecret !== undefined && clientSecret !== null && { client_secret: clientSecret }),
});

const isoOrNull = (date: Date | null): string | null => (date === null ? null : date.toISOString());

/** Never the key or its hash: the key is shown once, by the route that creates it. */
export const presentApiKey = (key: ApiKeyRecord, now: Date) => ({
  id: key.id,
  name: key.name,
  scopes: [...key.scopes],
  status: apiKeyStatus(key, now),
  created_at: key.createdAt.toISOString(),
  created_by: key.createdBy === null ? null : { type: key.createdBy.type, id: key.createdBy.id },
  expires_at: isoOrNull(key.expiresAt),
  last_used_at: isoOrNull(key.lastUsedAt),
  revoked_at: isoOrNull(key.revokedAt),
});

export const presentAuditEvent = exportedAuditEvent;
