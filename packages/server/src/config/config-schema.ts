import { Type, type Static } from 'typebox';
import { NAME_PATTERN } from '../domain/claims.js';
import type { HooksConfig } from '../domain/hooks/hooks-config.js';

/** The one configuration schema. Durations carry their unit in the name. */
export const ConfigSchema = Type.Object(
  {
    port: Type.Integer({ minimum: 0, maximum: 65535, default: 7400 }),
    host: Type.String({ minLength: 1, default: '127.0.0.1' }),
    dataDir: Type.String({ minLength: 1, default: './.cutoff' }),
    /** A `postgres://` URL selects PostgreSQL instead of SQLite. */
    databaseUrl: Type.Optional(Type.String({ pattern: '^postgres(ql)?://' })),
    /** Redis URL for fan-out of the revocation feed across replicas (scale-out). */
    redisUrl: Type.Optional(Type.String({ pattern: '^rediss?://' })),
    redisKeyPrefix: Type.String({ default: 'cutoff' }),
    issuer: Type.Optional(Type.String({ pattern: '^https?://' })),
    /** The `aud` of access tokens for clients that name no audience of their own. */
    audience: Type.String({ minLength: 1, default: 'cutoff' }),
    adminKey: Type.Optional(Type.String({ minLength: 16 })),
    /**
     * The bootstrap admin key being rotated out: accepted next to adminKey (as actor
     * `bootstrap-previous`) until adminKeyPreviousUntil, so clients move without downtime.
     */
    adminKeyPrevious: Type.Optional(Type.String({ minLength: 16 })),
    /** ISO 8601 instant after which adminKeyPrevious authenticates nothing (the end of the window). */
    adminKeyPreviousUntil: Type.Optional(Type.String({ minLength: 1 })),
    /**
     * How long a replica trusts what it read about an API key: the bound within which a key
     * revoked on another replica is refused here. 0 reads the store on every request.
     */
    apiKeyCacheMs: Type.Integer({ minimum: 0, maximum: 5000, default: 1000 }),
    /** How often a replica writes the last_used_at of the API keys used since its previous write. */
    apiKeyLastUsedFlushMs: Type.Integer({ minimum: 100, maximum: 3_600_000, default: 60_000 }),
    /**
     * 32 random bytes in base64: signing private keys and TOTP secrets are stored encrypted with
     * it (AES-256-GCM). Without one they are stored in clear.
     */
    encryptionKey: Type.Optional(Type.String({ minLength: 1 })),
    /** Earlier encryption keys, only to read values sealed with them while changing keys. */
    encryptionPreviousKeys: Type.Array(Type.String({ minLength: 1 }), { default: [] }),
    accessTokenTtlSeconds: Type.Integer({ minimum: 5, maximum: 86_400, default: 600 }),
    /** Window in which a just-rotated refresh token may be used again by concurrent requests. */
    refreshGraceSeconds: Type.Integer({ minimum: 0, maximum: 300, default: 2 }),
    sessionIdleTimeoutSeconds: Type.Integer({ minimum: 60, default: 7 * 86_400 }),
    sessionAbsoluteLifetimeSeconds: Type.Integer({ minimum: 60, default: 30 * 86_400 }),
    /** Added to revocation lifetimes so clocks that run behind never see a revoked token alive. */
    clockSkewSeconds: Type.Integer({ minimum: 0, maximum: 600, default: 60 }),
    signingAlgorithm: Type.Union([Type.Literal('RS256'), Type.Literal('ES256'), Type.Literal('EdDSA')], {
      default: 'RS256',
    }),
    loginMaxFailures: Type.Integer({ minimum: 1, default: 10 }),
    loginWindowSeconds: Type.Integer({ minimum: 1, default: 300 }),
    feedHeartbeatMs: Type.Integer({ minimum: 50, maximum: 1000, default: 500 }),
    /** How often a replica re-reads the feed head from the store when no Redis notifies it. */
    feedPollMs: Type.Integer({ minimum: 20, default: 250 }),
    /** How often the durable schedule ends groups whose end date has come (contractor end dates). */
    scheduleIntervalMs: Type.Integer({ minimum: 10, maximum: 3_600_000, default: 5000 }),
    trustProxy: Type.Boolean({ default: false }),
    /** A JSON file of inbound webhook sources and mappings (docs/webhooks.md), validated at start-up. */
    hooksFile: Type.Optional(Type.String({ minLength: 1 })),
    /** SMTP server for user notifications, e.g. `smtp://user:pass@mail.example.com:587`. */
    smtpUrl: Type.Optional(Type.String({ pattern: '^smtps?://[^\\s]+$' })),
    /** The From address of notification emails; required with smtpUrl. */
    mailFrom: Type.Optional(Type.String({ minLength: 3, maxLength: 320 })),
    /** An HTTP endpoint that receives `{"to", "text"}` JSON and sends it as an SMS. */
    smsWebhookUrl: Type.Optional(Type.String({ pattern: '^https?://[^\\s]+$' })),
    /** How often the outbox worker looks for due notifications. */
    outboxPollMs: Type.Integer({ minimum: 10, maximum: 60_000, default: 1000 }),
    /** Delay before the first retry of a failed notification; doubles per attempt up to outboxRetryMaxMs. */
    outboxRetryBaseMs: Type.Integer({ minimum: 1, default: 1000 }),
    outboxRetryMaxMs: Type.Integer({ minimum: 1, default: 300_000 }),
    /** Attempts after which a notification is given up (status `dead`). */
    outboxMaxAttempts: Type.Integer({ minimum: 1, maximum: 1000, default: 10 }),
    /** How often each replica's delivery worker looks at its destinations (commits also wake it at once). */
    destinationPollMs: Type.Integer({ minimum: 10, maximum: 60_000, default: 1000 }),
    /**
     * How long a replica holds a destination's lease without renewing it: the longest a replica
     * that died mid-batch keeps the destination from the others.
     */
    destinationLeaseMs: Type.Integer({ minimum: 100, maximum: 600_000, default: 30_000 }),
    /** Where `file` destinations write (their `path` is relative to it); default `<dataDir>/destinations`. */
    destinationFileDir: Type.Optional(Type.String({ minLength: 1 })),
    /** How often the canary proves revocation end to end (docs/canary.md); 0 turns the schedule off. */
    canaryIntervalSeconds: Type.Integer({ minimum: 0, maximum: 86_400, default: 300 }),
    /** How long after the revocation every probe has to refuse the canary's token. */
    canaryDeadlineMs: Type.Integer({ minimum: 100, maximum: 300_000, default: 10_000 }),
    /** Groups and roles the canary account carries, so group and role revocations are exercised too. */
    canaryGroups: Type.Array(Type.String({ pattern: NAME_PATTERN }), { default: [] }),
    canaryRoles: Type.Array(Type.String({ pattern: NAME_PATTERN }), { default: [] }),
    /** Canary results older than this are deleted. */
    canaryRetentionDays: Type.Integer({ minimum: 1, maximum: 3650, default: 400 }),
    logLevel: Type.Union(
      ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((level) => Type.Literal(level)),
      { default: 'info' },
    ),
  },
  { additionalProperties: false },
);

export type ConfigInput = Static<typeof ConfigSchema>;

export interface Config extends Readonly<Omit<ConfigInput, 'issuer'>> {
  readonly issuer: string;
  /** The sources and mappings of `hooksFile` (none without one). */
  readonly hooks: HooksConfig;
}
