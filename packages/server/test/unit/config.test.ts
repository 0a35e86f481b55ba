import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/load-config.js';

describe('configuration', () => {
  it('has documented defaults and is frozen', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 7400,
      host: '127.0.0.1',
      dataDir: './.cutoff',
      issuer: 'http://localhost:7400',
      accessTokenTtlSeconds: 600,
      signingAlgorithm: 'RS256',
    });
    expect(config.databaseUrl).toBeUndefined();
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('reads the environment, with the issuer following the port', () => {
    const config = loadConfig({
      CUTOFF_PORT: '8080',
      CUTOFF_DATABASE_URL: 'postgres://db/cutoff',
      CUTOFF_REFRESH_GRACE_SECONDS: '0',
      CUTOFF_TRUST_PROXY: 'true',
    });
    expect(config).toMatchObject({
      port: 8080,
      issuer: 'http://localhost:8080',
      databaseUrl: 'postgres://db/cutoff',
      refreshGraceSeconds: 0,
      trustProxy: true,
    });
    expect(loadConfig({ CUTOFF_ISSUER: 'https://auth.example.com/' }).issuer).toBe(
      'https://auth.example.com',
    );
  });

  it('reads a JSON file named by CUTOFF_CONFIG, overridden by the environment', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cutoff-config-'));
    try {
      const file = join(dir, 'cutoff.json');
      writeFileSync(file, JSON.stringify({ port: 9000, accessTokenTtlSeconds: 300 }));
      const config = loadConfig({ CUTOFF_CONFIG: file, CUTOFF_PORT: '9001' });
      expect(config.port).toBe(9001);
      expect(config.accessTokenTtlSeconds).toBe(300);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses invalid values at start-up, naming them', () => {
    const invalid: Record<string, string>[] = [
      { CUTOFF_PORT: 'eighty' },
      { CUTOFF_PORT: '70000' },
      { CUTOFF_DATABASE_URL: 'mysql://db' },
      { CUTOFF_ADMIN_KEY: 'short' },
      { CUTOFF_SIGNING_ALGORITHM: 'HS256' },
      { CUTOFF_ACCESS_TOKEN_TTL_SECONDS: '4' },
      { CUTOFF_TRUST_PROXY: 'maybe' },
      { CUTOFF_SESSION_IDLE_TIMEOUT_SECONDS: '7200', CUTOFF_SESSION_ABSOLUTE_LIFETIME_SECONDS: '3600' },
    ];
    for (const env of invalid) expect(() => loadConfig(env), JSON.stringify(env)).toThrow(ConfigError);
    expect(() => loadConfig({ CUTOFF_PORT: '70000' })).toThrow(/CUTOFF_PORT must be at most 65535/);
    expect(() => loadConfig({}, { unknownOption: 1 } as never)).toThrow(ConfigError);
  });
});

describe('encryption key configuration', () => {
  const key = Buffer.alloc(32, 7).toString('base64');

  it('reads the key and a comma-separated list of previous keys', () => {
    const previous = [Buffer.alloc(32, 1).toString('base64url'), Buffer.alloc(32, 2).toString('base64')];
    const config = loadConfig({
      CUTOFF_ENCRYPTION_KEY: key,
      CUTOFF_ENCRYPTION_PREVIOUS_KEYS: ` ${previous[0]} ,${previous[1]},`,
    });
    expect(config.encryptionKey).toBe(key);
    expect(config.encryptionPreviousKeys).toEqual(previous);
    expect(loadConfig({}).encryptionPreviousKeys).toEqual([]);
  });

  it('refuses a key that is not 32 bytes of base64, naming the variable and not the value', () => {
    for (const env of [
      { CUTOFF_ENCRYPTION_KEY: 'too-short-to-be-a-key' },
      { CUTOFF_ENCRYPTION_KEY: key, CUTOFF_ENCRYPTION_PREVIOUS_KEYS: 'too-short-to-be-a-key' },
    ]) {
      expect(() => loadConfig(env)).toThrow(ConfigError);
      expect(() => loadConfig(env)).toThrow(
        /CUTOFF_ENCRYPTION_(PREVIOUS_)?KEYS?\)?: an encryption key must be 32/,
      );
      expect(() => loadConfig(env)).not.toThrow(/too-short-to-be-a-key/);
    }
  });
});

describe('bootstrap admin key rotation configuration', () => {
  const next = 'next-admin-key-0123456789';
  const previous = 'previous-admin-key-0123456789';

  it('reads the previous key and the end of its window', () => {
    const config = loadConfig({
      CUTOFF_ADMIN_KEY: next,
      CUTOFF_ADMIN_KEY_PREVIOUS: previous,
      CUTOFF_ADMIN_KEY_PREVIOUS_UNTIL: '2026-12-31T18:00:00Z',
    });
    expect(config.adminKeyPrevious).toBe(previous);
    expect(config.adminKeyPreviousUntil).toBe('2026-12-31T18:00:00Z');
  });

  it('refuses a rotation that cannot work, naming the variable and never a key', () => {
    for (const [env, message] of [
      [{ CUTOFF_ADMIN_KEY_PREVIOUS: previous }, /CUTOFF_ADMIN_KEY_PREVIOUS needs CUTOFF_ADMIN_KEY/],
      [{ CUTOFF_ADMIN_KEY: next, CUTOFF_ADMIN_KEY_PREVIOUS: next }, /must differ/],
      [{ CUTOFF_ADMIN_KEY: next, CUTOFF_ADMIN_KEY_PREVIOUS_UNTIL: '2026-12-31T18:00:00Z' }, /is not/],
      [
        {
          CUTOFF_ADMIN_KEY: next,
          CUTOFF_ADMIN_KEY_PREVIOUS: previous,
          CUTOFF_ADMIN_KEY_PREVIOUS_UNTIL: 'friday',
        },
        /CUTOFF_ADMIN_KEY_PREVIOUS_UNTIL must be an ISO 8601 instant/,
      ],
    ] as const) {
      expect(() => loadConfig(env), JSON.stringify(env)).toThrow(message);
      expect(() => loadConfig(env)).not.toThrow(new RegExp(`${next}|${previous}`));
    }
  });
});

describe('configuration errors (issue #17)', () => {
  const problemsOf = (env: Record<string, string>, overrides = {}): readonly string[] => {
    try {
      loadConfig(env, overrides);
    } catch (error) {
      if (error instanceof ConfigError) return error.problems;
      throw error;
    }
    throw new Error('expected a ConfigError');
  };

  it('names every bad variable, all at once, by its environment name', () => {
    const problems = problemsOf({
      CUTOFF_ADMIN_KEY: 'short',
      CUTOFF_PORT: 'eighty',
      CUTOFF_SIGNING_ALGORITHM: 'HS256',
      CUTOFF_LOG_LEVEL: 'loud',
      CUTOFF_ACCESS_TOKEN_TTL_SECONDS: '4',
      CUTOFF_TRUST_PROXY: 'maybe',
      CUTOFF_DATABASE_URL: 'mysql://db',
    });
    expect([...problems].sort()).toEqual(
      [
        'CUTOFF_ADMIN_KEY must be at least 16 characters',
        'CUTOFF_PORT must be a whole number',
        'CUTOFF_SIGNING_ALGORITHM must be one of RS256, ES256, EdDSA',
        'CUTOFF_LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent',
        'CUTOFF_ACCESS_TOKEN_TTL_SECONDS must be at least 5',
        'CUTOFF_TRUST_PROXY must be true or false',
        'CUTOFF_DATABASE_URL must match the pattern ^postgres(ql)?://',
      ].sort(),
    );
  });

  it('reports relations between settings together with the other problems', () => {
    const problems = problemsOf({
      CUTOFF_ADMIN_KEY: 'short',
      CUTOFF_SESSION_IDLE_TIMEOUT_SECONDS: '7200',
      CUTOFF_SESSION_ABSOLUTE_LIFETIME_SECONDS: '3600',
      CUTOFF_SMTP_URL: 'smtp://mail:587',
    });
    expect(problems).toEqual([
      'CUTOFF_ADMIN_KEY must be at least 16 characters',
      'CUTOFF_SESSION_ABSOLUTE_LIFETIME_SECONDS must not be shorter than CUTOFF_SESSION_IDLE_TIMEOUT_SECONDS',
      'CUTOFF_MAIL_FROM is required when CUTOFF_SMTP_URL is set',
    ]);
  });

  it('names keys of the CUTOFF_CONFIG file by file and key, and never quotes a value', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cutoff-config-'));
    const file = join(dir, 'cutoff.json');
    writeFileSync(file, JSON.stringify({ adminKey: 'secret-short', colour: 'blue', port: 70000 }));
    const problems = problemsOf({ CUTOFF_CONFIG: file });
    expect([...problems].sort()).toEqual(
      [
        `adminKey in ${file} (CUTOFF_CONFIG) must be at least 16 characters`,
        `colour in ${file} (CUTOFF_CONFIG) is not a known setting`,
        `port in ${file} (CUTOFF_CONFIG) must be at most 65535`,
      ].sort(),
    );
    expect(problems.join('\n')).not.toContain('secret-short');
    rmSync(dir, { recursive: true, force: true });
  });
});
