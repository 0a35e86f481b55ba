import { describe, expect, it } from 'vitest';
import type { AuditAction } from '../../src/domain/audit-actions.js';
import { AuditChainVerifier, GENESIS_HASH, computeAuditHash } from '../../src/domain/audit-chain.js';
import { canonicalJson } from '../../src/domain/canonical-json.js';
import { isDowngrade, normalizeNames } from '../../src/domain/claims.js';
import type { AuditEventRecord, NewAuditEvent } from '../../src/domain/records.js';
import { revocationTiming, sessionSelectorFor } from '../../src/domain/revocation-plan.js';

const event = (action: AuditAction): NewAuditEvent => ({
  ts: new Date('2026-11-22T10:00:00Z'),
  action,
  actor: { type: 'admin', id: 'bootstrap' },
  target: { type: 'user', id: 'usr_1' },
  reason: 'offboarding',
  counts: { sessions: 2, refresh_tokens: 2 },
  request: { ip: '10.0.0.1', user_agent: 'curl' },
  details: { note: 'ünïcödé', nested: { b: 1, a: [true, null] } },
});

const chain = (actions: readonly AuditAction[]): AuditEventRecord[] => {
  const events: AuditEventRecord[] = [];
  let prevHash = GENESIS_HASH;
  actions.forEach((action, index) => {
    const withSeq = { ...event(action), seq: index + 1 };
    const hash = computeAuditHash(prevHash, withSeq);
    events.push({ ...withSeq, prevHash, hash });
    prevHash = hash;
  });
  return events;
};

describe('canonical JSON (RFC 8785)', () => {
  it('sorts keys recursively, keeps array order and escapes as JSON does', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, 1], c: 'x"y' } })).toBe('{"a":{"c":"x\\"y","d":[3,1]},"b":1}');
    expect(canonicalJson({ z: undefined, a: null })).toBe('{"a":null}');
    expect(() => canonicalJson({ n: Number.NaN })).toThrow(TypeError);
  });
});

describe('audit hash chain', () => {
  it('verifies an intact chain and names the first tampered or relinked event', () => {
    const events = chain(['user.created', 'login.succeeded', 'user.revoked', 'key.rotated']);
    const verify = (list: AuditEventRecord[]) => {
      const verifier = new AuditChainVerifier();
      for (const item of list) verifier.add(item);
      return verifier.result();
    };
    expect(verify(events)).toMatchObject({ ok: true, count: 4, headHash: events[3]!.hash, brokenAt: null });
    const tampered = events.map((item) => (item.seq === 3 ? { ...item, counts: { sessions: 0 } } : item));
    expect(verify(tampered)).toMatchObject({ ok: false, brokenAt: 3 });
    const dropped = events.filter((item) => item.seq !== 2);
    expect(verify(dropped)).toMatchObject({ ok: false, brokenAt: 3 });
  });
});

describe('revocation plan', () => {
  it('expires entries after the longest token they could match plus skew', () => {
    expect(revocationTiming(1_000, 600, 60)).toEqual({ at: 1_000, expiresAt: 1_660 });
  });
  it('maps targets to the sessions they kill; a token kills none', () => {
    expect(sessionSelectorFor({ type: 'token', id: 'jti' })).toBeUndefined();
    expect(sessionSelectorFor({ type: 'all', id: 'ignored' })).toEqual({ kind: 'all', key: '*' });
    expect(sessionSelectorFor({ type: 'group', id: 'eng' })).toEqual({ kind: 'group', key: 'eng' });
  });
  it('tells a downgrade from an upgrade', () => {
    expect(isDowngrade(['admin', 'reader'], ['reader'])).toBe(true);
    expect(isDowngrade(['reader'], ['reader', 'admin'])).toBe(false);
    expect(normalizeNames(['b', 'a', 'b'])).toEqual(['a', 'b']);
  });
});
