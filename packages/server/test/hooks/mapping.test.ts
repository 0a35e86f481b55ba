import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/load-config.js';
import {
  conditionHolds,
  evaluateMappings,
  eventIdOf,
  severityOf,
  valueAtPath,
} from '../../src/domain/hooks/evaluate-mapping.js';
import { hookSecretEnvName, parseHooksConfig, type HookSource } from '../../src/domain/hooks/hooks-config.js';
import { parseSignatureHeader, signatureHeader, verifySignature } from '../../src/domain/hooks/signature.js';
import { signatureFor, writeHooksFile } from './hook-client.js';
import { VENDOR_SOURCES } from './vendor-mappings.js';

const SECRET = 'unit-secret-0123456789abc';

const sourceOf = (definition: unknown, env: Record<string, string> = {}): HookSource => {
  const result = parseHooksConfig({ sources: { test: definition } }, env);
  if (!result.ok) throw new Error(result.errors.join('; '));
  return result.config.sources.get('test')!;
};

describe('webhook mappings (pure)', () => {
  it('reads values at dotted paths through objects and arrays, and nothing else', () => {
    const payload = { a: { b: [{ c: 'x' }, { c: 0 }] }, 'd.e': 1 };
    expect(valueAtPath(payload, 'a.b.0.c')).toBe('x');
    expect(valueAtPath(payload, 'a.b.1.c')).toBe(0);
    expect(valueAtPath(payload, 'a.b.2.c')).toBeUndefined();
    expect(valueAtPath(payload, 'a.b.first')).toBeUndefined();
    expect(valueAtPath(payload, 'a.toString')).toBeUndefined();
    expect(valueAtPath(payload, '__proto__')).toBeUndefined();
    expect(valueAtPath('text', 'length')).toBeUndefined();
  });

  it('compares scalars as text (equals, in), and otherwise asks for a non-empty value', () => {
    const payload = { n: 4, s: 'Done', b: true, empty: '', nil: null };
    expect(conditionHolds(payload, { path: 'n', equals: '4' })).toBe(true);
    expect(conditionHolds(payload, { path: 'n', equals: 4 })).toBe(true);
    expect(conditionHolds(payload, { path: 's', equals: 'done' })).toBe(false);
    expect(conditionHolds(payload, { path: 's', in: ['Resolved', 'Done'] })).toBe(true);
    expect(conditionHolds(payload, { path: 'b', equals: 'true' })).toBe(true);
    expect(conditionHolds(payload, { path: 's' })).toBe(true);
    for (const path of ['empty', 'nil', 'missing']) expect(conditionHolds(payload, { path })).toBe(false);
    expect(conditionHolds({ o: { x: 1 } }, { path: 'o', equals: '[object Object]' })).toBe(false);
  });

  it('reads severities as numbers, numeric text or labels on the scale (case-insensitive)', () => {
    const scale = { low: 1, high: 3 };
    expect(severityOf(5, scale)).toBe(5);
    expect(severityOf(' 2.5 ', scale)).toBe(2.5);
    expect(severityOf('HIGH', scale)).toBe(3);
    expect(severityOf('urgent', scale)).toBeUndefined();
    expect(severityOf(null, scale)).toBeUndefined();
    expect(severityOf(Number.NaN, scale)).toBeUndefined();
  });

  it('takes the first mapping whose conditions and threshold hold, and says why none did', () => {
    const source = sourceOf({
      secret: SECRET,
      eventId: { path: 'id' },
      events: [
        {
          name: 'critical',
          when: { path: 'kind', equals: 'alert' },
          action: 'security_incident',
          severity: { path: 'level', min: 4 },
          user: { path: 'who', by: 'email' },
          phone: { path: 'phone' },
        },
        {
          name: 'anything-else',
          when: [
            { path: 'kind', equals: 'alert' },
            { path: 'team', in: ['hr'] },
          ],
          action: 'revoke_user',
          user: { path: 'who', by: 'email' },
          reason: 'manual',
        },
      ],
    });
    const critical = evaluateMappings(source, {
      kind: 'alert',
      level: 'critical',
      who: 'a@x.io',
      phone: '+49 30 1234',
    });
    expect(critical).toMatchObject({
      kind: 'matched',
      mapping: { name: 'critical' },
      plan: {
        type: 'security_incident',
        severity: 4,
        phone: '+49 30 1234',
        user: { by: 'email', value: 'a@x.io' },
      },
    });
    const badPhone = evaluateMappings(source, { kind: 'alert', level: 5, who: 'a@x.io', phone: 'call me' });
    expect(badPhone).toMatchObject({ kind: 'matched', plan: { phone: null } });
    expect(
      evaluateMappings(source, { kind: 'alert', level: 'high', who: 'a@x.io', team: 'hr' }),
    ).toMatchObject({
      kind: 'matched',
      mapping: { name: 'anything-else' },
      plan: { type: 'revoke_user', reason: 'manual', deactivate: false },
    });
    expect(evaluateMappings(source, { kind: 'alert', level: 'high', who: 'a@x.io' })).toEqual({
      kind: 'ignored',
      detail: 'mapping "critical": severity 3 is below 4',
    });
    expect(evaluateMappings(source, { kind: 'alert', who: 'a@x.io' })).toEqual({
      kind: 'ignored',
      detail: 'mapping "critical": no known severity at level',
    });
    expect(evaluateMappings(source, { kind: 'other' })).toEqual({
      kind: 'ignored',
      detail: 'no mapping matched',
    });
    expect(evaluateMappings(source, { kind: 'alert', level: 4, who: { nested: true } })).toEqual({
      kind: 'invalid',
      mapping: 'critical',
      detail: 'no user at who',
    });
  });

  it('takes event ids from the configured path, or the SHA-256 of the raw body', () => {
    const withPath = sourceOf({ secret: SECRET, eventId: { path: 'meta.id' }, events: [] });
    const body = Buffer.from('{"meta":{"id":42}}');
    expect(eventIdOf(withPath, JSON.parse(body.toString()), body)).toBe('42');
    expect(eventIdOf(withPath, { meta: {} }, body)).toBeUndefined();
    expect(eventIdOf(withPath, { meta: { id: 'x'.repeat(257) } }, body)).toBeUndefined();
    const withoutPath = sourceOf({ secret: SECRET, events: [] });
    expect(eventIdOf(withoutPath, {}, Buffer.from('abc'))).toBe(
      'sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });
});

describe('webhook signatures (pure)', () => {
  const body = Buffer.from('{"id":1}');
  const now = 1_800_000_000;

  it('verifies the documented scheme, with several v1 values and several secrets', () => {
    const header = `t=${now},v1=${signatureFor(SECRET, now, body.toString())}`;
    expect(verifySignature({ header, body, secrets: [SECRET], nowSeconds: now })).toEqual({ ok: true });
    expect(signatureHeader([SECRET], now, body)).toBe(header);
    const rotated = signatureHeader(['old-secret-0123456789', SECRET], now, body);
    expect(verifySignature({ header: rotated, body, secrets: [SECRET], nowSeconds: now }).ok).toBe(true);
    expect(
      verifySignature({ header, body, secrets: ['new-secret-01234567', SECRET], nowSeconds: now }).ok,
    ).toBe(true);
    expect(
      verifySignature({
        header: ` t=${now} , v0=abc, v1=${signatureFor(SECRET, now, '{"id":1}')}`,
        body,
        secrets: [SECRET],
        nowSeconds: now,
      }).ok,
    ).toBe(true);
  });

  it('names the problem: missing, malformed, mismatch, stale (both ways, 300 s tolerance)', () => {
    const check = (header: string | undefined, nowSeconds = now) =>
      verifySignature({ header, body, secrets: [SECRET], nowSeconds });
    const sig = signatureFor(SECRET, now, body.toString());
    expect(check(undefined)).toEqual({ ok: false, problem: 'missing' });
    expect(check('  ')).toEqual({ ok: false, problem: 'missing' });
    expect(check(`t=${now}`)).toEqual({ ok: false, problem: 'malformed' });
    expect(check(`v1=${sig}`)).toEqual({ ok: false, problem: 'malformed' });
    expect(check(`t=abc,v1=${sig}`)).toEqual({ ok: false, problem: 'malformed' });
    expect(check(`t=${now},v1=${sig},junk`)).toEqual({ ok: false, problem: 'malformed' });
    expect(check(`t=${now},${Array(9).fill(`v1=${sig}`).join(',')}`)).toEqual({
      ok: false,
      problem: 'malformed',
    });
    expect(check(`t=${now},v1=${'0'.repeat(64)}`)).toEqual({ ok: false, problem: 'mismatch' });
    expect(check(`t=${now},v1=${sig}`, now + 300)).toEqual({ ok: true });
    expect(check(`t=${now},v1=${sig}`, now - 300)).toEqual({ ok: true });
    expect(check(`t=${now},v1=${sig}`, now + 301)).toEqual({ ok: false, problem: 'stale' });
    expect(check(`t=${now},v1=${sig}`, now - 301)).toEqual({ ok: false, problem: 'stale' });
    expect(parseSignatureHeader(`t=${now},v1=${sig.toUpperCase()}`)?.signatures).toHaveLength(1);
  });
});

describe('the hooks file at start-up', () => {
  it('loads a valid file, with secrets from CUTOFF_HOOK_SECRET_<SOURCE> overriding the file', () => {
    const file = writeHooksFile({
      'hr-system': { events: [] },
      siem: { secret: 'file-secret-0123456789ab', events: [] },
    });
    const config = loadConfig({
      CUTOFF_HOOKS_FILE: file,
      [hookSecretEnvName('hr-system')]: 'env-secret-0123456789abc',
      CUTOFF_HOOK_SECRET_SIEM: 'env-wins-0123456789abcde',
    });
    expect(hookSecretEnvName('hr-system')).toBe('CUTOFF_HOOK_SECRET_HR_SYSTEM');
    expect(config.hooks.sources.get('hr-system')?.secrets).toEqual(['env-secret-0123456789abc']);
    expect(config.hooks.sources.get('siem')?.secrets).toEqual(['env-wins-0123456789abcde']);
    expect(loadConfig({}).hooks.sources.size).toBe(0);
  });

  it('stops with a ConfigError naming the problem, never quoting a secret', () => {
    const secret = 'a-very-secret-value-123456';
    const broken: [unknown, RegExp][] = [
      [{ Bad_Name: { secret, events: [] } }, /sources\.Bad_Name: a source name/],
      [{ hr: { events: [] } }, /sources\.hr: no secret; set "secret" in the file or CUTOFF_HOOK_SECRET_HR/],
      [{ hr: { secret: 'short', events: [] } }, /\/sources\/hr\/secret/],
      [
        {
          hr: {
            secret,
            events: [{ name: 'x', when: { path: 'a' }, action: 'explode', user: { path: 'u', by: 'id' } }],
          },
        },
        /action/,
      ],
      [
        {
          hr: {
            secret,
            events: [
              { name: 'x', when: { path: 'a' }, action: 'role_update', user: { path: 'u', by: 'id' } },
            ],
          },
        },
        /role_update needs "roles"/,
      ],
      [
        {
          hr: {
            secret,
            events: [
              {
                name: 'x',
                when: { path: 'a' },
                action: 'revoke_user',
                user: { path: 'u', by: 'id' },
                severity: { path: 's', min: 1 },
              },
            ],
          },
        },
        /"severity" applies to security_incident only/,
      ],
      [
        {
          hr: {
            secret,
            events: [
              {
                name: 'x',
                when: { path: 'a', equals: 1, in: [1] },
                action: 'revoke_user',
                user: { path: 'u', by: 'id' },
              },
            ],
          },
        },
        /"equals" or "in", not both/,
      ],
      [
        {
          hr: {
            secret,
            events: [
              { name: 'x', when: { path: 'a' }, action: 'revoke_user', user: { path: 'u', by: 'phone' } },
            ],
          },
        },
        /by/,
      ],
      [
        {
          hr: {
            secret,
            events: [
              {
                name: 'x',
                when: { path: 'a' },
                action: 'revoke_user',
                user: { path: 'u', by: 'id' },
                reason: 'canary',
              },
            ],
          },
        },
        /reason/,
      ],
      [{ hr: { secret, unknown: true, events: [] } }, /\/sources\/hr/],
    ];
    for (const [sources, message] of broken) {
      const file = writeHooksFile(sources as Record<string, unknown>);
      let error: unknown;
      try {
        loadConfig({ CUTOFF_HOOKS_FILE: file });
      } catch (caught) {
        error = caught;
      }
      expect(error, JSON.stringify(sources)).toBeInstanceOf(ConfigError);
      expect((error as Error).message, JSON.stringify(sources)).toMatch(message);
      expect((error as Error).message).not.toContain(secret);
    }
    const notJson = writeHooksFile({});
    writeFileSync(notJson, `{"sources": {"hr": {"secret": "${secret}" ]}}`);
    expect(() => loadConfig({ CUTOFF_HOOKS_FILE: notJson })).toThrow(/not valid JSON at position/);
    expect(() => loadConfig({ CUTOFF_HOOKS_FILE: notJson })).not.toThrow(new RegExp(secret));
    expect(() => loadConfig({ CUTOFF_HOOKS_FILE: '/nonexistent/hooks.json' })).toThrow(ConfigError);
  });

  it('validates the notification settings', () => {
    expect(() => loadConfig({ CUTOFF_SMTP_URL: 'smtp://mail:587' })).toThrow(/CUTOFF_MAIL_FROM/);
    expect(() => loadConfig({ CUTOFF_SMTP_URL: 'http://mail', CUTOFF_MAIL_FROM: 'a@b.c' })).toThrow(
      ConfigError,
    );
    expect(() => loadConfig({ CUTOFF_SMS_WEBHOOK_URL: 'ftp://sms' })).toThrow(ConfigError);
    expect(() =>
      loadConfig({ CUTOFF_OUTBOX_RETRY_BASE_MS: '5000', CUTOFF_OUTBOX_RETRY_MAX_MS: '1000' }),
    ).toThrow(/CUTOFF_OUTBOX_RETRY_MAX_MS must not be smaller than CUTOFF_OUTBOX_RETRY_BASE_MS/);
    const config = loadConfig({
      CUTOFF_SMTP_URL: 'smtp://user:pass@mail.example.com:587',
      CUTOFF_MAIL_FROM: 'Security <security@example.com>',
      CUTOFF_SMS_WEBHOOK_URL: 'https://sms.example.com/send',
      CUTOFF_OUTBOX_POLL_MS: '200',
    });
    expect(config).toMatchObject({
      outboxPollMs: 200,
      outboxRetryBaseMs: 1000,
      outboxRetryMaxMs: 300_000,
      outboxMaxAttempts: 10,
    });
  });

  it('the complete example in docs/webhooks.md is valid and is the one the vendor tests use', () => {
    const doc = readFileSync(new URL('../../../../docs/webhooks.md', import.meta.url), 'utf8');
    const block = /<!-- hooks-example -->\s*```json\n([\s\S]*?)```/.exec(doc)?.[1];
    expect(block).toBeDefined();
    const example = JSON.parse(block!) as { sources: Record<string, { events: unknown }> };
    const env = Object.fromEntries(
      Object.keys(example.sources).map((name) => [hookSecretEnvName(name), 'doc-secret-0123456789abcdef']),
    );
    const result = parseHooksConfig(example, env);
    expect(result.ok ? [] : result.errors).toEqual([]);
    for (const [name, source] of Object.entries(VENDOR_SOURCES)) {
      expect(example.sources[name]?.events, name).toEqual((source as { events: unknown }).events);
    }
  });
});
