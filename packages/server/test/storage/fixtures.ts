import type {
  ApiKeyId,
  ClientId,
  RefreshTokenId,
  RevocationId,
  SessionId,
  UserId,
} from '../../src/domain/ids.js';
import type {
  ApiKeyRecord,
  ClientRecord,
  GroupRecord,
  NewAuditEvent,
  NewRevocation,
  OutboxMessage,
  RefreshTokenRecord,
  SessionRecord,
  SigningKeyRecord,
  SigningKeyStatus,
  UserRecord,
} from '../../src/domain/records.js';

/** Fixed instants: tests never read the wall clock. */
export const T0_MS = Date.UTC(2025, 0, 1, 12, 0, 0, 123);
export const at = (offsetMs = 0): Date => new Date(T0_MS + offsetMs);
export const T0_SECONDS = Math.floor(T0_MS / 1000);

export const makeUser = (id: string, overrides: Partial<UserRecord> = {}): UserRecord => ({
  id: id as UserId,
  username: id,
  email: `${id}@example.test`,
  passwordHash: null,
  roles: [],
  groups: [],
  active: true,
  totpSecret: null,
  totpPendingSecret: null,
  mfaRequired: false,
  createdAt: at(),
  updatedAt: at(),
  externalId: null,
  displayName: null,
  givenName: null,
  familyName: null,
  ...overrides,
});

export const makeGroup = (name: string, overrides: Partial<GroupRecord> = {}): GroupRecord => ({
  id: `grp_${name}`,
  name,
  displayName: `Group ${name}`,
  externalId: null,
  endAt: null,
  endedAt: null,
  deactivateMembers: 'none',
  createdAt: at(),
  updatedAt: at(),
  ...overrides,
});

export const makeOutboxMessage = (id: string, overrides: Partial<OutboxMessage> = {}): OutboxMessage => ({
  id,
  kind: 'email',
  payload: { to: `${id}@example.test`, template: 'security_incident', vars: { sessions: 2 } },
  status: 'pending',
  attempts: 0,
  nextAttemptAt: at(),
  lastError: null,
  createdAt: at(),
  deliveredAt: null,
  ...overrides,
});

export const makeSession = (
  id: string,
  userId: string,
  clientId: string,
  overrides: Partial<SessionRecord> = {},
): SessionRecord => ({
  id: id as SessionId,
  userId: userId as UserId,
  clientId: clientId as ClientId,
  status: 'active',
  createdAt: at(),
  lastSeenAt: at(),
  idleExpiresAt: at(30 * 60_000),
  absoluteExpiresAt: at(12 * 3_600_000),
  ip: '203.0.113.7',
  userAgent: 'vitest',
  amr: ['pwd'],
  revokedAt: null,
  revokedReason: null,
  scope: null,
  authTime: null,
  ...overrides,
});

export const makeRefreshToken = (
  id: string,
  sessionId: string,
  overrides: Partial<RefreshTokenRecord> = {},
): RefreshTokenRecord => ({
  id: id as RefreshTokenId,
  sessionId: sessionId as SessionId,
  tokenHash: `hash-${id}`,
  status: 'active',
  createdAt: at(),
  rotatedAt: null,
  expiresAt: at(24 * 3_600_000),
  ...overrides,
});

export const makeClient = (id: string, overrides: Partial<ClientRecord> = {}): ClientRecord => ({
  id: id as ClientId,
  name: `Client ${id}`,
  type: 'public',
  secretHash: null,
  grantTypes: ['authorization_code', 'refresh_token'],
  roles: [],
  createdAt: at(),
  redirectUris: [],
  postLogoutRedirectUris: [],
  backchannelLogoutUri: null,
  backchannelLogoutSessionRequired: false,
  tokenEndpointAuthMethod: 'none',
  consent: 'none',
  jwks: null,
  jwksUri: null,
  idTokenSignedResponseAlg: 'RS256',
  ...overrides,
});

export const makeApiKey = (id: string, overrides: Partial<ApiKeyRecord> = {}): ApiKeyRecord => ({
  id: id as ApiKeyId,
  name: `key ${id}`,
  keyHash: `hash-${id}`,
  scopes: ['admin'],
  createdAt: at(),
  createdBy: { type: 'admin', id: 'bootstrap' },
  expiresAt: null,
  lastUsedAt: null,
  revokedAt: null,
  ...overrides,
});

export const makeSigningKey = (kid: string, status: SigningKeyStatus, createdAt: Date): SigningKeyRecord => ({
  kid,
  alg: 'ES256',
  privateJwk: JSON.stringify({ kid, d: 'private' }),
  publicJwk: JSON.stringify({ kid, kty: 'EC' }),
  status,
  createdAt,
});

export const makeRevocation = (id: string, overrides: Partial<NewRevocation> = {}): NewRevocation => ({
  id: id as RevocationId,
  kind: 'user',
  key: 'usr_someone',
  at: T0_SECONDS,
  expiresAt: T0_SECONDS + 900,
  reason: 'offboarding',
  note: null,
  actor: { type: 'admin', id: 'adm_1' },
  createdAt: at(),
  ...overrides,
});

export const makeAuditEvent = (overrides: Partial<NewAuditEvent> = {}): NewAuditEvent => ({
  ts: at(),
  action: 'user.revoked',
  actor: { type: 'admin', id: 'adm_1' },
  target: { type: 'user', id: 'usr_1' },
  reason: 'offboarding',
  counts: { sessions: 2, refresh_tokens: 3 },
  request: { ip: '203.0.113.7', user_agent: 'vitest' },
  details: { revocation_seq: 1, nested: { list: [1, 'two', null], flag: true } },
  ...overrides,
});

export interface Deferred<T = void> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
}

export const deferred = <T = void>(): Deferred<T> => {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
};

export const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
