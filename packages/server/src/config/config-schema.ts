import { Type, type Static } from 'typebox';

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
    trustProxy: Type.Boolean({ default: false }),
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
}
