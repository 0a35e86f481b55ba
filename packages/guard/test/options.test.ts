import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { GUARD_DEFAULTS, GuardError, createGuard, type GuardOptions } from '../src/index.js';
import { recordingLogger } from './support/guard-setup.js';

const base: GuardOptions = {
  issuer: 'http://127.0.0.1:9',
  audience: 'api',
  algorithms: ['RS256'],
  feedApiKey: 'key',
  logger: recordingLogger(),
};

const creationError = (options: unknown): GuardError | undefined => {
  try {
    const guard = createGuard(options as GuardOptions);
    void guard.close();
    return undefined;
  } catch (error) {
    return error as GuardError;
  }
};

describe('createGuard options', () => {
  it.each([
    ['no issuer', { ...base, issuer: undefined }],
    ['relative issuer', { ...base, issuer: 'cutoff.example' }],
    ['ftp issuer', { ...base, issuer: 'ftp://cutoff.example' }],
    ['no audience', { ...base, audience: undefined }],
    ['empty audience list', { ...base, audience: [] }],
    ['no algorithms', { ...base, algorithms: undefined }],
    ['empty algorithms', { ...base, algorithms: [] }],
    ['alg none', { ...base, algorithms: ['none'] }],
    ['HS256', { ...base, algorithms: ['RS256', 'HS256'] }],
    ['unknown alg', { ...base, algorithms: ['RS512'] }],
    ['no feedApiKey', { ...base, feedApiKey: undefined }],
    ['empty feedApiKey', { ...base, feedApiKey: '' }],
    ['maxStalenessMs 0', { ...base, maxStalenessMs: 0 }],
    ['maxStalenessMs negative', { ...base, maxStalenessMs: -1 }],
    ['maxStalenessMs NaN', { ...base, maxStalenessMs: Number.NaN }],
    ['unknown policy', { ...base, whenStale: 'ignore' }],
    ['introspect without credentials', { ...base, whenStale: 'introspect' }],
    ['introspect with empty credentials', { ...base, whenStale: 'introspect', introspection: {} }],
    ['client id without secret', { ...base, whenStale: 'introspect', introspection: { clientId: 'x' } }],
    [
      'trusted issuer HS256',
      {
        ...base,
        trustedIssuers: [{ issuer: 'https://idp', jwksUri: 'https://idp/j', algorithms: ['HS256'] }],
      },
    ],
    ['trusted issuer without jwksUri', { ...base, trustedIssuers: [{ issuer: 'https://idp' }] }],
    [
      'trusted issuer equal to own',
      { ...base, trustedIssuers: [{ issuer: base.issuer, jwksUri: 'https://idp/j' }] },
    ],
    ['trusted issuer null', { ...base, trustedIssuers: [null] }],
    ['app with spaces', { ...base, app: 'orders api' }],
    ['app too long', { ...base, app: 'x'.repeat(129) }],
    ['negative clock tolerance', { ...base, clockToleranceSeconds: -1 }],
  ])('rejects %s with ERR_GUARD_OPTIONS', (_name, options) => {
    const error = creationError(options);
    expect(error).toBeInstanceOf(GuardError);
    expect(error?.code).toBe('ERR_GUARD_OPTIONS');
  });

  it('accepts a minimal valid configuration and every allowed algorithm', () => {
    expect(creationError({ ...base, algorithms: ['RS256', 'ES256', 'EdDSA', 'PS256'] })).toBeUndefined();
    expect(
      creationError({
        ...base,
        whenStale: 'introspect',
        introspection: { clientId: 'c', clientSecret: 's' },
      }),
    ).toBeUndefined();
  });

  it('warns loudly at creation when failing open', async () => {
    const logger = recordingLogger();
    const guard = createGuard({ ...base, whenStale: 'fail-open', logger });
    await guard.close();
    expect(logger.lines).toContainEqual(
      expect.objectContaining({ level: 'warn', message: expect.stringContaining('FAIL-OPEN') }),
    );
  });
});

describe('GUARD_DEFAULTS (every default written once)', () => {
  it('is what packages/guard/README.md documents in its options table', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const documented = new Map<string, string>();
    for (const match of readme.matchAll(/^\| `(\w+)` +\| `([^`]+)` +\|/gm)) {
      documented.set(match[1] ?? '', match[2] ?? '');
    }
    const flat = Object.entries(GUARD_DEFAULTS).flatMap(([name, value]) =>
      typeof value === 'number' || typeof value === 'string' ? [[name, String(value)] as const] : [],
    );
    expect(flat.length).toBeGreaterThan(5);
    for (const [name, value] of flat) expect(documented.get(name), name).toBe(value);
  });
});
