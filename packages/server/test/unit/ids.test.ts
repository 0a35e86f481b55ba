import { describe, expect, it } from 'vitest';
import {
  parseApiKeyId,
  parseClientId,
  parseRevocationId,
  parseSessionId,
  parseUserId,
} from '../../src/domain/ids.js';
import {
  newApiKeyId,
  newClientId,
  newRefreshTokenId,
  newRevocationId,
  newSessionId,
  newUserId,
} from '../../src/use-cases/new-ids.js';

describe('branded ids', () => {
  it('fresh ids carry their kind’s prefix, 128 random bits, and parse back as that kind', () => {
    expect(newUserId()).toMatch(/^usr_[A-Za-z0-9_-]{22}$/);
    expect(newSessionId()).toMatch(/^ses_[A-Za-z0-9_-]{22}$/);
    expect(newClientId()).toMatch(/^cli_[A-Za-z0-9_-]{22}$/);
    expect(newRefreshTokenId()).toMatch(/^rt_[A-Za-z0-9_-]{22}$/);
    expect(newApiKeyId()).toMatch(/^key_[A-Za-z0-9_-]{22}$/);
    expect(newRevocationId()).toMatch(/^rev_[A-Za-z0-9_-]{22}$/);
    const user = newUserId();
    expect(parseUserId(user)).toBe(user);
    expect(newUserId()).not.toBe(user);
  });

  it('an id of another kind, or a bare prefix, does not parse', () => {
    const session = newSessionId();
    expect(parseUserId(session)).toBeUndefined();
    expect(parseSessionId(newUserId())).toBeUndefined();
    expect(parseApiKeyId('usr_abc')).toBeUndefined();
    expect(parseRevocationId('rev_')).toBeUndefined();
    expect(parseUserId('usr')).toBeUndefined();
    expect(parseUserId('')).toBeUndefined();
    expect(parseSessionId(session)).toBe(session);
  });

  it('client ids are opaque (admins name them), only an empty one is refused', () => {
    expect(parseClientId('grafana')).toBe('grafana');
    expect(parseClientId('cutoff')).toBe('cutoff');
    expect(parseClientId('')).toBeUndefined();
  });
});
