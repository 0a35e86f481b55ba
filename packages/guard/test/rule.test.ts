import { describe, expect, it } from 'vitest';
import {
  RevocationIndex,
  parseRevocationEntry,
  toTokenSubject,
  type RevocationEntry,
  type RevocationKind,
} from '@cutoff/guard/rule';

const ISSUER = 'https://cutoff.example';
const NOW = 1_750_000_000;

const claims = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
  iss: ISSUER,
  sub: 'user-1',
  sid: 'session-1',
  jti: 'token-1',
  client_id: 'web',
  groups: ['staff', 'contractors-phoenix'],
  roles: ['admin'],
  iat: NOW - 60,
  exp: NOW + 540,
  ...overrides,
});

let seq = 0;
const entry = (kind: RevocationKind, key: string, at = NOW, expiresAt = at + 605): RevocationEntry => ({
  seq: ++seq,
  kind,
  key,
  at,
  expires_at: expiresAt,
  reason: 'manual',
});

const indexWith = (...entries: RevocationEntry[]): RevocationIndex => {
  const index = new RevocationIndex();
  for (const e of entries) index.apply(e);
  return index;
};

describe('revocation rule', () => {
  const subject = toTokenSubject(claims(), ISSUER);

  it.each([
    ['session', 'session-1', 'session-2'],
    ['token', 'token-1', 'token-2'],
    ['user', 'user-1', 'user-2'],
    ['group', 'contractors-phoenix', 'other-group'],
    ['role', 'admin', 'reader'],
    ['client', 'web', 'mobile'],
    ['all', '*', undefined],
  ] as const)('%s entry rejects the matching token and nothing else', (kind, key, otherKey) => {
    expect(indexWith(entry(kind, key)).match(subject, NOW)).toBe(kind);
    if (otherKey !== undefined) expect(indexWith(entry(kind, otherKey)).match(subject, NOW)).toBeUndefined();
  });

  it.each(['user', 'group', 'role', 'client', 'all'] as const)(
    '%s watermark rejects a token issued in the same second and accepts a later one',
    (kind) => {
      const key = { user: 'user-1', group: 'staff', role: 'admin', client: 'web', all: '*' }[kind];
      const index = indexWith(entry(kind, key, NOW));
      expect(index.match(toTokenSubject(claims({ iat: NOW }), ISSUER), NOW)).toBe(kind);
      expect(index.match(toTokenSubject(claims({ iat: NOW - 1 }), ISSUER), NOW)).toBe(kind);
      expect(index.match(toTokenSubject(claims({ iat: NOW + 1 }), ISSUER), NOW + 1)).toBeUndefined();
    },
  );

  it('session and token entries ignore iat: every token of the session or with the jti dies', () => {
    const later = toTokenSubject(claims({ iat: NOW + 100 }), ISSUER);
    expect(indexWith(entry('session', 'session-1', NOW)).match(later, NOW + 100)).toBe('session');
    expect(indexWith(entry('token', 'token-1', NOW)).match(later, NOW + 100)).toBe('token');
  });

  it('a later watermark supersedes an earlier one and an earlier one never lowers it', () => {
    const index = indexWith(entry('user', 'user-1', NOW), entry('user', 'user-1', NOW - 100));
    expect(index.match(toTokenSubject(claims({ iat: NOW - 10 }), ISSUER), NOW)).toBe('user');
    index.apply(entry('user', 'user-1', NOW + 50));
    expect(index.match(toTokenSubject(claims({ iat: NOW + 50 }), ISSUER), NOW + 50)).toBe('user');
    expect(index.size).toBe(1);
  });

  it('rejects a token whose access_until is in the past (or now), whatever the feed says', () => {
    const index = new RevocationIndex();
    expect(index.match(toTokenSubject(claims({ access_until: NOW - 1 }), ISSUER), NOW)).toBe('access_until');
    expect(index.match(toTokenSubject(claims({ access_until: NOW }), ISSUER), NOW)).toBe('access_until');
    expect(index.match(toTokenSubject(claims({ access_until: NOW + 1 }), ISSUER), NOW)).toBeUndefined();
  });

  it('keys subjects of external issuers as <iss>|<sub>', () => {
    const external = toTokenSubject(claims({ iss: 'https://idp.example', sub: '00u123' }), ISSUER);
    expect(external.userKey).toBe('https://idp.example|00u123');
    expect(indexWith(entry('user', 'https://idp.example|00u123')).match(external, NOW)).toBe('user');
    // A bare `sub` revocation must not cut an external user who happens to share the id.
    expect(indexWith(entry('user', '00u123')).match(external, NOW)).toBeUndefined();
    expect(toTokenSubject(claims(), ISSUER).userKey).toBe('user-1');
  });

  it('expiry: prune drops entries whose expires_at has passed and size returns to 0', () => {
    const index = indexWith(
      entry('session', 's', NOW, NOW + 10),
      entry('token', 't', NOW, NOW + 10),
      entry('user', 'u', NOW, NOW + 10),
      entry('group', 'g', NOW, NOW + 20),
      entry('role', 'r', NOW, NOW + 10),
      entry('client', 'c', NOW, NOW + 10),
      entry('all', '*', NOW, NOW + 10),
    );
    expect(index.size).toBe(7);
    index.prune(NOW + 5);
    expect(index.size).toBe(7);
    index.prune(NOW + 10);
    expect(index.size).toBe(1);
    index.prune(NOW + 20);
    expect(index.size).toBe(0);
    expect(
      index.match(toTokenSubject(claims({ sid: 's', groups: ['g'] }), ISSUER), NOW + 20),
    ).toBeUndefined();
  });

  it('bumps its version on every apply and not on prune, so a clean result can be reused until then', () => {
    const index = new RevocationIndex();
    const subject = toTokenSubject(claims(), ISSUER);
    const start = index.version;
    expect(index.match(subject, NOW)).toBeUndefined();
    index.apply(entry('user', 'someone-else'));
    expect(index.version).toBe(start + 1);
    index.apply(entry('user', 'user-1'));
    expect(index.version).toBe(start + 2);
    expect(index.match(subject, NOW)).toBe('user');
    index.prune(NOW + 10_000);
    expect(index.version).toBe(start + 2);
  });

  it('tracks the highest seq applied', () => {
    const index = new RevocationIndex();
    index.apply({ seq: 7, kind: 'token', key: 'x', at: NOW, expires_at: NOW + 1, reason: 'manual' });
    index.apply({ seq: 3, kind: 'token', key: 'y', at: NOW, expires_at: NOW + 1, reason: 'manual' });
    expect(index.seq).toBe(7);
  });

  it('ignores malformed array members rather than crashing', () => {
    const subject = toTokenSubject(claims({ groups: ['staff', 42], roles: 'admin' }), ISSUER);
    expect(subject.groups).toEqual(['staff']);
    expect(subject.roles).toEqual([]);
  });
});

describe('parseRevocationEntry', () => {
  it('accepts a well-formed entry and rejects malformed ones', () => {
    const good = { seq: 1, kind: 'user', key: 'u', at: NOW, expires_at: NOW + 1, reason: 'offboarding' };
    expect(parseRevocationEntry(good)).toEqual(good);
    expect(parseRevocationEntry({ ...good, kind: 'tenant' })).toBeUndefined();
    expect(parseRevocationEntry({ ...good, seq: 0 })).toBeUndefined();
    expect(parseRevocationEntry({ ...good, seq: 1.5 })).toBeUndefined();
    expect(parseRevocationEntry({ ...good, key: '' })).toBeUndefined();
    expect(parseRevocationEntry({ ...good, at: '1' })).toBeUndefined();
    expect(parseRevocationEntry(null)).toBeUndefined();
  });
});
