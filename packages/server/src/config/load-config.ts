import { readFileSync } from 'node:fs';
import { Value } from 'typebox/value';
import { ConfigSchema, type Config } from './config-schema.js';
import { parseEncryptionKey } from '../lib/encryption-key.js';
import { EMPTY_HOOKS_CONFIG, parseHooksConfig, type HooksConfig } from '../domain/hooks/hooks-config.js';

type EnvType = 'string' | 'integer' | 'boolean' | 'list';

/** Environment variable -> config key, and how to parse it (`list`: comma-separated). */
const ENV: Readonly<Record<string, readonly [keyof Config, EnvType]>> = {
  CUTOFF_PORT: ['port', 'integer'],
  CUTOFF_HOST: ['host', 'string'],
  CUTOFF_DATA_DIR: ['dataDir', 'string'],
  CUTOFF_DATABASE_URL: ['databaseUrl', 'string'],
  CUTOFF_REDIS_URL: ['redisUrl', 'string'],
  CUTOFF_REDIS_KEY_PREFIX: ['redisKeyPrefix', 'string'],
  CUTOFF_ISSUER: ['issuer', 'string'],
  CUTOFF_AUDIENCE: ['audience', 'string'],
  CUTOFF_ADMIN_KEY: ['adminKey', 'string'],
  CUTOFF_ENCRYPTION_KEY: ['encryptionKey', 'string'],
  CUTOFF_ENCRYPTION_PREVIOUS_KEYS: ['encryptionPreviousKeys', 'list'],
  CUTOFF_ACCESS_TOKEN_TTL_SECONDS: ['accessTokenTtlSeconds', 'integer'],
  CUTOFF_REFRESH_GRACE_SECONDS: ['refreshGraceSeconds', 'integer'],
  CUTOFF_SESSION_IDLE_TIMEOUT_SECONDS: ['sessionIdleTimeoutSeconds', 'integer'],
  CUTOFF_SESSION_ABSOLUTE_LIFETIME_SECONDS: ['sessionAbsoluteLifetimeSeconds', 'integer'],
  CUTOFF_CLOCK_SKEW_SECONDS: ['clockSkewSeconds', 'integer'],
  CUTOFF_SIGNING_ALGORITHM: ['signingAlgorithm', 'string'],
  CUTOFF_LOGIN_MAX_FAILURES: ['loginMaxFailures', 'integer'],
  CUTOFF_LOGIN_WINDOW_SECONDS: ['loginWindowSeconds', 'integer'],
  CUTOFF_FEED_HEARTBEAT_MS: ['feedHeartbeatMs', 'integer'],
  CUTOFF_FEED_POLL_MS: ['feedPollMs', 'integer'],
  CUTOFF_SCHEDULE_INTERVAL_MS: ['scheduleIntervalMs', 'integer'],
  CUTOFF_TRUST_PROXY: ['trustProxy', 'boolean'],
  CUTOFF_LOG_LEVEL: ['logLevel', 'string'],
  CUTOFF_HOOKS_FILE: ['hooksFile', 'string'],
  CUTOFF_SMTP_URL: ['smtpUrl', 'string'],
  CUTOFF_MAIL_FROM: ['mailFrom', 'string'],
  CUTOFF_SMS_WEBHOOK_URL: ['smsWebhookUrl', 'string'],
  CUTOFF_OUTBOX_POLL_MS: ['outboxPollMs', 'integer'],
  CUTOFF_OUTBOX_RETRY_BASE_MS: ['outboxRetryBaseMs', 'integer'],
  CUTOFF_OUTBOX_RETRY_MAX_MS: ['outboxRetryMaxMs', 'integer'],
  CUTOFF_OUTBOX_MAX_ATTEMPTS: ['outboxMaxAttempts', 'integer'],
  CUTOFF_CANARY_INTERVAL_SECONDS: ['canaryIntervalSeconds', 'integer'],
  CUTOFF_CANARY_DEADLINE_MS: ['canaryDeadlineMs', 'integer'],
  CUTOFF_CANARY_GROUPS: ['canaryGroups', 'list'],
  CUTOFF_CANARY_ROLES: ['canaryRoles', 'list'],
  CUTOFF_CANARY_RETENTION_DAYS: ['canaryRetentionDays', 'integer'],
};

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

const parseEnvValue = (name: string, raw: string, type: EnvType): unknown => {
  if (type === 'string') return raw;
  if (type === 'list')
    return raw
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== '');
  if (type === 'boolean') {
    if (raw === 'true' || raw === '1') return true;
    if (raw === 'false' || raw === '0') return false;
    throw new ConfigError(`${name} must be true or false`);
  }
  if (!/^-?\d+$/.test(raw)) throw new ConfigError(`${name} must be a whole number`);
  return Number(raw);
};

/** Reads and validates the hooks file; secrets may come from `CUTOFF_HOOK_SECRET_<SOURCE>`. */
const loadHooks = (
  file: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): HooksConfig => {
  if (file === undefined) return EMPTY_HOOKS_CONFIG;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    // A JSON syntax error quotes the text around it, which may be a secret: report the position only.
    const reason =
      error instanceof SyntaxError
        ? `not valid JSON${/position \d+/.exec(error.message)?.[0].replace(/^/, ' at ') ?? ''}`
        : (error as Error).message;
    throw new ConfigError(`cannot read hooks file ${file}: ${reason}`);
  }
  const result = parseHooksConfig(parsed, env);
  if (!result.ok) throw new ConfigError(`invalid hooks file ${file}: ${result.errors.join('; ')}`);
  return result.config;
};

/**
 * Builds the frozen configuration from, in increasing precedence: defaults, the JSON file named
 * by `CUTOFF_CONFIG`, environment variables, and explicit overrides (tests, the CLI).
 */
export const loadConfig = (
  env: Readonly<Record<string, string | undefined>> = process.env,
  overrides: Partial<Record<keyof Config, unknown>> = {},
): Config => {
  const input: Record<string, unknown> = {};
  const file = env.CUTOFF_CONFIG;
  if (file !== undefined && file !== '') {
    try {
      Object.assign(input, JSON.parse(readFileSync(file, 'utf8')) as object);
    } catch (error) {
      throw new ConfigError(`cannot read config file ${file}: ${(error as Error).message}`);
    }
  }
  for (const [name, [key, type]] of Object.entries(ENV)) {
    const raw = env[name];
    if (raw !== undefined && raw !== '') input[key] = parseEnvValue(name, raw, type);
  }
  for (const [key, value] of Object.entries(overrides)) if (value !== undefined) input[key] = value;

  const withDefaults = Value.Default(ConfigSchema, input);
  const errors = [...Value.Errors(ConfigSchema, withDefaults)];
  if (errors.length > 0) {
    const details = errors.map((error) => `${error.instancePath || '/'}: ${error.message}`).join('; ');
    throw new ConfigError(`invalid configuration: ${details}`);
  }
  const valid = Value.Decode(ConfigSchema, withDefaults);
  if (valid.sessionAbsoluteLifetimeSeconds < valid.sessionIdleTimeoutSeconds) {
    throw new ConfigError(
      'sessionAbsoluteLifetimeSeconds must not be shorter than sessionIdleTimeoutSeconds',
    );
  }
  if (valid.smtpUrl !== undefined && valid.mailFrom === undefined) {
    throw new ConfigError('mailFrom (CUTOFF_MAIL_FROM) is required when smtpUrl (CUTOFF_SMTP_URL) is set');
  }
  if (valid.outboxRetryMaxMs < valid.outboxRetryBaseMs) {
    throw new ConfigError('outboxRetryMaxMs must not be smaller than outboxRetryBaseMs');
  }
  for (const [name, key] of [
    ['encryptionKey (CUTOFF_ENCRYPTION_KEY)', valid.encryptionKey],
    ...valid.encryptionPreviousKeys.map((key) => [
      'encryptionPreviousKeys (CUTOFF_ENCRYPTION_PREVIOUS_KEYS)',
      key,
    ]),
  ] as const) {
    if (key === undefined) continue;
    try {
      parseEncryptionKey(key);
    } catch (error) {
      throw new ConfigError(`${name}: ${(error as Error).message}`);
    }
  }
  const hooks = loadHooks(valid.hooksFile, env);
  const issuer = (valid.issuer ?? `http://localhost:${valid.port}`).replace(/\/+$/, '');
  return Object.freeze({ ...valid, issuer, hooks });
};
