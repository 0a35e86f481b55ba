import { Type, type Static } from 'typebox';
import { REVOCATION_KINDS, REVOCATION_REASONS } from '@cutoff/guard/rule';
import { NAME_PATTERN, USERNAME_PATTERN } from '../domain/claims.js';
import { API_KEY_SCOPES } from '../domain/records.js';

/** Request and response schemas: they validate requests and generate /openapi.json. */

/**
 * An enum of strings whose static type is the union of the values: a JSON Schema `enum`, so
 * /openapi.json lists the values and a bad one is one error naming them.
 */
const literalUnion = <T extends readonly string[]>(values: T, description?: string) =>
  Type.Unsafe<T[number]>({
    type: 'string',
    enum: [...values],
    ...(description === undefined ? {} : { description }),
  });

export const ErrorBody = Type.Object(
  {
    error: Type.String({ description: 'Short machine-readable error, e.g. `invalid_credentials`.' }),
    code: Type.String({ description: 'Registry code, e.g. `ERR_INVALID_CREDENTIALS`.' }),
    message: Type.String(),
    request_id: Type.Optional(Type.String()),
  },
  { $id: 'Error', title: 'Error' },
);

/** RFC 6749 section 5.2 errors, as the /oauth endpoints answer them. */
export const OAuthErrorBody = Type.Object(
  {
    error: Type.String({ description: 'e.g. `invalid_request`, `invalid_client`, `invalid_grant`.' }),
    error_description: Type.Optional(Type.String()),
  },
  { $id: 'OAuthError', title: 'OAuthError' },
);

/** RFC 8935 section 2.3 errors, as `POST /ssf/receive` answers a refused SET. */
export const SsfErrorBody = Type.Object(
  {
    err: Type.String({
      description:
        '`invalid_request`, `invalid_key`, `invalid_issuer`, `invalid_audience`, `authentication_failed` or `access_denied`.',
    }),
    description: Type.String(),
  },
  { $id: 'SsfError', title: 'SsfError' },
);

/** RFC 7644 section 3.12 errors, as /scim/v2 answers them. */
export const ScimErrorBody = Type.Object(
  {
    schemas: Type.Array(Type.String()),
    status: Type.String({ description: 'The HTTP status, as a string.' }),
    scimType: Type.Optional(Type.String()),
    detail: Type.Optional(Type.String()),
  },
  { $id: 'ScimError', title: 'ScimError' },
);

const Name = Type.String({ pattern: NAME_PATTERN });
const Timestamp = Type.String({ format: 'date-time' });

export const UserBody = Type.Object(
  {
    id: Type.String(),
    username: Type.String(),
    email: Type.Union([Type.String(), Type.Null()]),
    roles: Type.Array(Type.String()),
    groups: Type.Array(Type.String()),
    active: Type.Boolean(),
    mfa_enrolled: Type.Boolean(),
    /** A TOTP enrolment was started and awaits `POST /v1/users/{id}/totp/confirm`. */
    mfa_pending: Type.Boolean(),
    mfa_required: Type.Boolean(),
    created_at: Timestamp,
    updated_at: Timestamp,
  },
  { title: 'User' },
);

export const CreateUserBody = Type.Object(
  {
    username: Type.String({ pattern: USERNAME_PATTERN }),
    email: Type.Optional(Type.String({ format: 'email', maxLength: 320 })),
    password: Type.Optional(Type.String({ minLength: 8, maxLength: 1024 })),
    roles: Type.Optional(Type.Array(Name, { maxItems: 100 })),
    groups: Type.Optional(Type.Array(Name, { maxItems: 500 })),
    active: Type.Optional(Type.Boolean()),
  },
  { title: 'CreateUserRequest', additionalProperties: false },
);

export const UpdateUserBody = Type.Object(
  {
    email: Type.Optional(Type.Union([Type.String({ format: 'email', maxLength: 320 }), Type.Null()])),
    password: Type.Optional(Type.String({ minLength: 8, maxLength: 1024 })),
    roles: Type.Optional(Type.Array(Name, { maxItems: 100 })),
    groups: Type.Optional(Type.Array(Name, { maxItems: 500 })),
    active: Type.Optional(Type.Boolean()),
  },
  { title: 'UpdateUserRequest', additionalProperties: false, minProperties: 1 },
);

export const ConfirmTotpBody = Type.Object(
  {
    code: Type.String({ pattern: '^[0-9]{6}$', description: 'The current 6-digit code of the new secret.' }),
  },
  { additionalProperties: false },
);

export const SessionBody = Type.Object(
  {
    id: Type.String(),
    user_id: Type.String(),
    status: literalUnion(['active', 'revoked', 'ended', 'expired'] as const),
    created_at: Timestamp,
    last_seen_at: Timestamp,
    ip: Type.Union([Type.String(), Type.Null()]),
    user_agent: Type.Union([Type.String(), Type.Null()]),
    client_id: Type.String(),
    amr: Type.Array(Type.String()),
    revoked_at: Type.Optional(Timestamp),
    revoked_reason: Type.Optional(Type.String()),
  },
  { title: 'Session' },
);

export const LoginBody = Type.Object(
  {
    username: Type.String({ minLength: 1, maxLength: 256 }),
    password: Type.String({ minLength: 1, maxLength: 1024 }),
    totp: Type.Optional(Type.String({ maxLength: 16 })),
    client_id: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
  },
  { title: 'LoginRequest', additionalProperties: false },
);

export const TokenResponseBody = Type.Object(
  {
    access_token: Type.String(),
    refresh_token: Type.Optional(Type.String()),
    token_type: Type.Literal('Bearer'),
    expires_in: Type.Integer(),
    session_id: Type.Optional(Type.String()),
  },
  { title: 'TokenResponse' },
);

export const RevocationTargetType = literalUnion(REVOCATION_KINDS);
export const RevocationReasonSchema = literalUnion(
  REVOCATION_REASONS.filter((reason) => reason !== 'canary'),
);

export const CreateRevocationBody = Type.Object(
  {
    target: Type.Object(
      { type: RevocationTargetType, id: Type.String({ minLength: 1, maxLength: 512 }) },
      { additionalProperties: false },
    ),
    reason: RevocationReasonSchema,
    note: Type.Optional(Type.String({ maxLength: 2000 })),
    dry_run: Type.Optional(Type.Boolean()),
    wait: Type.Optional(
      Type.Object(
        {
          for: Type.Literal('guards'),
          timeout_ms: Type.Integer({ minimum: 1, maximum: 30_000, default: 2_000 }),
        },
        {
          additionalProperties: false,
          description: 'Answer only once every connected guard applied the entry, or the timeout passed.',
        },
      ),
    ),
  },
  { title: 'CreateRevocationRequest', additionalProperties: false },
);
export type CreateRevocationBody = Static<typeof CreateRevocationBody>;

export const RevocationMatchBody = Type.Object(
  {
    users: Type.Integer({
      description:
        "Users the target names: the user, the session's user, group members, role holders, users with an active session of the client, every user (`all`); 0 for `token`.",
    }),
    sessions: Type.Integer({
      description: 'Active sessions the entry covers (killed, or in a dry run would be).',
    }),
    known: Type.Union([Type.Boolean(), Type.Null()], {
      description:
        'The target names something Cutoff knows: a group record or member, a role a user or client holds; true for user, session, client and `all`; null for `token` (a jti cannot be checked).',
    }),
    known_group: Type.Optional(
      Type.Boolean({ description: 'Group revocations only: a group record or a member has the name.' }),
    ),
  },
  { description: 'What the target covered when the entry was written.' },
);

export const RevocationWarningBody = Type.Object({
  code: Type.Union([Type.Literal('target_matched_nothing'), Type.Literal('no_active_session')], {
    description: 'Stable, for scripts.',
  }),
  message: Type.String({ description: 'For people; the wording may change.' }),
  suggestions: Type.Optional(
    Type.Array(Type.String(), { description: 'Known group or role names close to an unknown one.' }),
  ),
});

export const RevocationResultBody = Type.Object(
  {
    id: Type.Union([Type.String(), Type.Null()]),
    seq: Type.Union([Type.Integer(), Type.Null()]),
    dry_run: Type.Boolean(),
    sessions_revoked: Type.Integer(),
    refresh_tokens_revoked: Type.Integer(),
    effective_at: Type.Union([Timestamp, Type.Null()]),
    matched: RevocationMatchBody,
    warnings: Type.Array(RevocationWarningBody, {
      description:
        'Empty unless the target matched nothing (`target_matched_nothing`: the entry is still written, since a later token may carry the name) or had no active session (`no_active_session`).',
    }),
    guards: Type.Optional(
      Type.Object({
        total: Type.Integer(),
        applied: Type.Integer(),
        results: Type.Array(
          Type.Object({
            guard_id: Type.String(),
            app: Type.String(),
            applied: Type.Boolean(),
            latency_ms: Type.Union([Type.Integer(), Type.Null()]),
          }),
        ),
      }),
    ),
  },
  { title: 'RevocationResult' },
);

export const FeedEntryBody = Type.Object(
  {
    seq: Type.Integer(),
    kind: RevocationTargetType,
    key: Type.String(),
    at: Type.Integer({ description: 'NumericDate (seconds): tokens with iat <= at are rejected.' }),
    expires_at: Type.Integer({
      description: 'NumericDate (seconds) after which the entry no longer matters.',
    }),
    reason: Type.String(),
  },
  { title: 'FeedEntry' },
);

export const FeedPageBody = Type.Object(
  {
    head: Type.Integer(),
    head_read_at: Type.Integer({
      description: 'Epoch milliseconds at which `head` was read from the store (this request read it).',
    }),
    server_time: Type.Integer({ description: 'Epoch milliseconds.' }),
    has_more: Type.Boolean(),
    entries: Type.Array(FeedEntryBody),
  },
  { title: 'FeedPage' },
);

export const AuditEventBody = Type.Object(
  {
    seq: Type.Integer(),
    ts: Timestamp,
    action: Type.String(),
    actor: Type.Object({ type: Type.String(), id: Type.String() }),
    target: Type.Union([Type.Object({ type: Type.String(), id: Type.String() }), Type.Null()]),
    reason: Type.Union([Type.String(), Type.Null()]),
    counts: Type.Union([Type.Record(Type.String(), Type.Integer()), Type.Null()]),
    request: Type.Union([
      Type.Object({
        ip: Type.Union([Type.String(), Type.Null()]),
        user_agent: Type.Union([Type.String(), Type.Null()]),
      }),
      Type.Null(),
    ]),
    details: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]),
    prev_hash: Type.String(),
    hash: Type.String(),
  },
  { title: 'AuditEvent' },
);

export const ApiKeyScopeSchema = literalUnion(API_KEY_SCOPES);

export const CreateApiKeyBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    scopes: Type.Array(ApiKeyScopeSchema, { minItems: 1, uniqueItems: true }),
    expires_at: Type.Optional(
      Type.String({
        format: 'date-time',
        description: 'After this instant the key authenticates nothing (401). Must be in the future.',
      }),
    ),
  },
  { title: 'CreateApiKeyRequest', additionalProperties: false },
);

/** `private_key_jwt`: the client's public keys (RFC 7517 JWK Set); checked key by key at registration. */
const ClientJwks = Type.Object(
  {
    keys: Type.Array(Type.Record(Type.String({ maxLength: 64 }), Type.Unknown()), {
      minItems: 1,
      maxItems: 10,
    }),
  },
  { title: 'ClientJwks', additionalProperties: false },
);

export const CreateClientBody = Type.Object(
  {
    id: Type.Optional(Type.String({ pattern: NAME_PATTERN })),
    name: Type.String({ minLength: 1, maxLength: 200 }),
    type: literalUnion(['public', 'confidential'] as const),
    grant_types: Type.Optional(
      Type.Array(literalUnion(['authorization_code', 'refresh_token', 'client_credentials'] as const), {
        uniqueItems: true,
      }),
    ),
    roles: Type.Optional(Type.Array(Name, { maxItems: 100 })),
    redirect_uris: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 2000 }), { maxItems: 20, uniqueItems: true }),
    ),
    post_logout_redirect_uris: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 2000 }), { maxItems: 20, uniqueItems: true }),
    ),
    backchannel_logout_uri: Type.Optional(Type.String({ minLength: 1, maxLength: 2000 })),
    backchannel_logout_session_required: Type.Optional(Type.Boolean()),
    token_endpoint_auth_method: Type.Optional(
      literalUnion(['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'] as const),
    ),
    consent: Type.Optional(literalUnion(['none', 'required'] as const)),
    jwks: Type.Optional(ClientJwks),
    jwks_uri: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 2000,
        description:
          '`private_key_jwt`: where the public keys are served (https, or http on a loopback address).',
      }),
    ),
  },
  { title: 'CreateClientRequest', additionalProperties: false },
);

export const ClientBody = Type.Object(
  {
    client_id: Type.String(),
    name: Type.String(),
    type: Type.String(),
    grant_types: Type.Array(Type.String()),
    roles: Type.Array(Type.String()),
    created_at: Timestamp,
    redirect_uris: Type.Array(Type.String()),
    post_logout_redirect_uris: Type.Array(Type.String()),
    backchannel_logout_uri: Type.Union([Type.String(), Type.Null()]),
    backchannel_logout_session_required: Type.Boolean(),
    token_endpoint_auth_method: Type.String(),
    consent: Type.String(),
    jwks: Type.Union([ClientJwks, Type.Null()]),
    jwks_uri: Type.Union([Type.String(), Type.Null()]),
    client_secret: Type.Optional(Type.String({ description: 'Shown once, at creation.' })),
  },
  { title: 'Client' },
);

export const BackchannelLogoutStatusBody = Type.Object(
  {
    client_id: Type.String(),
    backchannel_logout_uri: Type.Union([Type.String(), Type.Null()]),
    pending: Type.Integer({ description: 'Logout tokens not yet delivered (being retried).' }),
    delivered: Type.Integer(),
    dead: Type.Integer({ description: 'Given up after CUTOFF_OUTBOX_MAX_ATTEMPTS; retry them by id.' }),
    last_error: Type.Union([Type.String(), Type.Null()], {
      description: "The newest failed attempt's error: the receiver's status or the network error.",
    }),
    last_delivered_at: Type.Union([Timestamp, Type.Null()]),
  },
  { title: 'BackchannelLogoutStatus' },
);

export const ApiKeyBody = Type.Object({
  id: Type.String(),
  name: Type.String(),
  scopes: Type.Array(Type.String()),
  status: literalUnion(['active', 'expired', 'revoked'] as const),
  created_at: Timestamp,
  created_by: Type.Union([Type.Object({ type: Type.String(), id: Type.String() }), Type.Null()], {
    description: 'Who created the key; null for keys created before Cutoff recorded creators.',
  }),
  expires_at: Type.Union([Timestamp, Type.Null()]),
  last_used_at: Type.Union([Timestamp, Type.Null()], {
    description: 'Coalesced: may lag real use by up to CUTOFF_API_KEY_LAST_USED_FLUSH_MS.',
  }),
  revoked_at: Type.Union([Timestamp, Type.Null()]),
  key: Type.Optional(Type.String({ description: 'Shown once, at creation.' })),
});
