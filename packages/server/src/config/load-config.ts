import { readFileSync } from 'node:fs';
import type { TSchema } from 'typebox';
import { Value } from 'typebox/value';
import { ConfigSchema, type Config } from './config-schema.js';
import { parseEncryptionKey } from '../lib/encryption-key.js';
import { describeSchemaErrors, dottedPath, type FieldNamer } from '../lib/schema-errors.js';
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
  CUTOFF_ADMIN_KEY_PREVIOUS: ['adminKeyPrevious', 'string'],
  CUTOFF_ADMIN_KEY_PREVIOUS_UNTIL: ['adminKeyPreviousUntil', 'string'],
  CUTOFF_API_KEY_CACHE_MS: ['apiKeyCacheMs', 'integer'],
  CUTOFF_API_KEY_LAST_USED_FLUSH_MS: ['apiKeyLastUsedFlushMs', 'integer'],
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
  CUTOFF_DESTINATION_POLL_MS: ['destinationPollMs', 'integer'],
  CUTOFF_DESTINATION_LEASE_MS: ['destinationLeaseMs', 'integer'],
  CUTOFF_DESTINATION_FILE_DIR: ['destinationFileDir', 'string'],
  CUTOFF_OUTBOX_RETRY_BASE_MS: ['outboxRetryBaseMs', 'integer'],
  CUTOFF_OUTBOX_RETRY_MAX_MS: ['outboxRetryMaxMs', 'integer'],
  CUTOFF_OUTBOX_MAX_ATTEMPTS: ['outboxMaxAttempts', 'integer'],
  CUTOFF_CANARY_INTERVAL_SECONDS: ['canaryIntervalSeconds', 'integer'],
  CUTOFF_CANARY_DEADLINE_MS: ['canaryDeadlineMs', 'integer'],
  CUTOFF_CANARY_GROUPS: ['canaryGroups', 'list'],
  CUTOFF_CANARY_ROLES: ['canaryRoles', 'list'],
  CUTOFF_CANARY_RETENTION_DAYS: ['canaryRetentionDays', 'integer'],
};

/** Every problem of the configuration at once, each naming the variable (or file key) to fix. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: readonly string[]) {
    super(
      problems.length === 1
        ? `invalid configuration: ${problems[0]}`
        : `invalid configuration (${problems.length} problems):\n${problems.map((problem) => `  - ${problem}`).join('\n')}`,
    );
  }
}

/** A value that cannot be parsed as its type yields a problem, not an exception. */
const parseEnvValue = (
  name: string,
  raw: string,
  type: EnvType,
): { readonly value: unknown } | { readonly problem: string } => {
  if (type === 'string') return { value: raw };
  if (type === 'list')
    return {
      value: raw
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item !== ''),
    };
  if (type === 'boolean') {
    if (raw === 'true' || raw === '1') return { value: true };
    if (raw === 'false' || raw === '0') return { value: false };
    return { problem: `${name} must be true or false` };
  }
  if (!/^-?\d+$/.test(raw.trim())) return { problem: `${name} must be a whole number` };
  return { value: Number(raw) };
};

const ENV_NAME_OF: ReadonlyMap<string, string> = new Map(
  Object.entries(ENV).map(([name, [key]]) => [key, name] as const),
);

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
    throw new ConfigError([`cannot read hooks file ${file} (CUTOFF_HOOKS_FILE): ${reason}`]);
  }
  const result = parseHooksConfig(parsed, env);
  if (!result.ok)
    throw new ConfigError(result.errors.map((error) => `hooks file ${file} (CUTOFF_HOOKS_FILE): ${error}`));
  return result.config;
};

/**
 * Builds the frozen configuration from, in increasing precedence: defaults, the JSON file named
 * by `CUTOFF_CONFIG`, environment variables, and explicit overrides (tests, the CLI).
 */
export const loadConfig = (
  env: Readonly<Record<string, string | undefined>> = process.env,
  overrides: Partial<Record<keyof Config, unknown>> = {},
  /** How a person set each override (`--port`), for error messages; the key by default. */
  overrideNames: Partial<Record<keyof Config, string>> = {},
): Config => {
  const input: Record<string, unknown> = {};
  /** Where each key's value came from, as the person who set it knows it. */
  const source = new Map<string, string>();
  const problems: string[] = [];
  const file = env.CUTOFF_CONFIG;
  if (file !== undefined && file !== '') {
    try {
      const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
        throw new Error('not a JSON object');
      Object.assign(input, parsed);
      for (const key of Object.keys(parsed)) source.set(key, `${key} in ${file} (CUTOFF_CONFIG)`);
    } catch (error) {
      throw new ConfigError([`cannot read config file ${file} (CUTOFF_CONFIG): ${(error as Error).message}`]);
    }
  }
  for (const [name, [key, type]] of Object.entries(ENV)) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    const parsed = parseEnvValue(name, raw, type);
    source.set(key, name);
    if ('problem' in parsed) {
      problems.push(parsed.problem);
      delete input[key];
    } else input[key] = parsed.value;
  }
  for (const [key, value] of Object.entries(overrides))
    if (value !== undefined) {
      input[key] = value;
      source.set(key, overrideNames[key as keyof Config] ?? key);
    }

  /** `/adminKey` -> `CUTOFF_ADMIN_KEY` (or the file key, or the override), `/a/0` -> `...[0]`. */
  const label = (key: string): string => source.get(key) ?? ENV_NAME_OF.get(key) ?? key;
  const name: FieldNamer = (instancePath) => {
    const [, key = '', ...rest] = instancePath.split('/');
    const tail = dottedPath('')(`/${rest.join('/')}`);
    return `${label(key)}${tail === '' ? '' : tail.startsWith('[') ? tail : `.${tail}`}`;
  };

  const withDefaults = Value.Default(ConfigSchema, input) as Record<string, unknown>;
  // Field by field: TypeBox stops at 8 errors per call, and one bad enum alone makes 8.
  const properties: Readonly<Record<string, TSchema>> = ConfigSchema.properties;
  const errors = Object.entries(properties).flatMap(([key, schema]) =>
    withDefaults[key] === undefined
      ? []
      : [...Value.Errors(schema, withDefaults[key])].map((error) => ({
          ...error,
          instancePath: `/${key}${error.instancePath}`,
        })),
  );
  for (const key of Object.keys(withDefaults))
    if (!(key in properties)) problems.push(`${label(key)} is not a known setting`);
  problems.push(...describeSchemaErrors(errors, name));
  // Relations between settings, checked whenever both values are usable, alongside the above.
  const num = (key: string): number | undefined => {
    const value = withDefaults[key];
    return typeof value === 'number' ? value : undefined;
  };
  const below = (small: string, large: string, verb: string): void => {
    const a = num(small);
    const b = num(large);
    if (a !== undefined && b !== undefined && b < a) problems.push(`${label(large)} ${verb} ${label(small)}`);
  };
  below('sessionIdleTimeoutSeconds', 'sessionAbsoluteLifetimeSeconds', 'must not be shorter than');
  below('outboxRetryBaseMs', 'outboxRetryMaxMs', 'must not be smaller than');
  if (withDefaults.smtpUrl !== undefined && withDefaults.mailFrom === undefined) {
    problems.push(`${label('mailFrom')} is required when ${label('smtpUrl')} is set`);
  }
  // Rotating the bootstrap admin key: the previous key works alongside the new one until it is removed.
  const text = (key: string): string | undefined => {
    const value = withDefaults[key];
    return typeof value === 'string' && value !== '' ? value : undefined;
  };
  const adminKey = text('adminKey');
  const adminKeyPrevious = text('adminKeyPrevious');
  const adminKeyPreviousUntil = text('adminKeyPreviousUntil');
  if (adminKeyPrevious !== undefined) {
    if (adminKey === undefined)
      problems.push(`${label('adminKeyPrevious')} needs ${label('adminKey')}, the key replacing it`);
    else if (adminKeyPrevious === adminKey)
      problems.push(`${label('adminKeyPrevious')} must differ from ${label('adminKey')}`);
  }
  if (adminKeyPreviousUntil !== undefined) {
    if (adminKeyPrevious === undefined)
      problems.push(`${label('adminKeyPreviousUntil')} is set but ${label('adminKeyPrevious')} is not`);
    if (!/^\d{4}-\d{2}-\d{2}T/.test(adminKeyPreviousUntil) || Number.isNaN(Date.parse(adminKeyPreviousUntil)))
      problems.push(
        `${label('adminKeyPreviousUntil')} must be an ISO 8601 instant, e.g. 2026-12-31T18:00:00Z`,
      );
  }
  const keys: readonly (readonly [string, unknown])[] = [
    ['encryptionKey', withDefaults.encryptionKey],
    ...(Array.isArray(withDefaults.encryptionPreviousKeys)
      ? withDefaults.encryptionPreviousKeys.map((key) => ['encryptionPreviousKeys', key] as const)
      : []),
  ];
  for (const [key, value] of keys) {
    if (typeof value !== 'string' || value === '') continue;
    try {
      parseEncryptionKey(value);
    } catch (error) {
      problems.push(`${label(key)}: ${(error as Error).message}`);
    }
  }
  if (problems.length > 0) throw new ConfigError([...new Set(problems)]);

  const valid = Value.Decode(ConfigSchema, withDefaults);
  const hooks = loadHooks(valid.hooksFile, env);
  const issuer = (valid.issuer ?? `http://localhost:${valid.port}`).replace(/\/+$/, '');
  return Object.freeze({ ...valid, issuer, hooks });
};
