import { describe, expect, it } from 'vitest';
import { checkSetClaims } from '../../src/domain/signals/set-claims.js';
import { inspectSet } from '../../src/domain/signals/set-token.js';
import { resolveSubject } from '../../src/domain/signals/subject.js';
import { CAEP_SESSION_REVOKED, signalMappingOf } from '../../src/domain/signals/event-mapping.js';

const issuers = { cutoff: 'https://cutoff.example.com', transmitter: 'https://acme.okta.com' };
const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('RFC 9493 subjects', () => {
  it('resolves email, account, iss_sub (Cutoff or the transmitter), opaque and complex subjects', () => {
    expect(resolveSubject({ format: 'email', email: 'a@x.com' }, issuers)).toEqual({
      kind: 'user',
      user: [{ by: 'email', value: 'a@x.com' }],
    });
    expect(resolveSubject({ format: 'account', uri: 'acct:a@x.com' }, issuers)).toMatchObject({
      user: [{ by: 'email', value: 'a@x.com' }],
    });
    expect(resolveSubject({ format: 'iss_sub', iss: issuers.cutoff, sub: 'usr_1' }, issuers)).toMatchObject({
      user: [{ by: 'id', value: 'usr_1' }],
    });
    expect(
      resolveSubject({ format: 'iss_sub', iss: issuers.transmitter, sub: '00u1' }, issuers),
    ).toMatchObject({
      user: [{ by: 'external_id', value: '00u1' }],
    });
    expect(
      resolveSubject(
        {
          format: 'complex',
          user: { format: 'email', email: 'a@x.com' },
          session: { format: 'opaque', id: 'ses_1' },
        },
        issuers,
      ),
    ).toEqual({ kind: 'session', sessionId: 'ses_1', user: [{ by: 'email', value: 'a@x.com' }] });
  });

  it('refuses what it cannot resolve, saying why, never guessing', () => {
    for (const subject of [
      null,
      'alice',
      { format: 'iss_sub', iss: 'https://evil.example.com', sub: 'usr_1' },
      { format: 'phone_number', phone_number: '+15551234' },
      { format: 'email' },
      { format: 'complex', session: { format: 'iss_sub', iss: 'x', sub: 'y' } },
    ])
      expect(resolveSubject(subject, issuers).kind).toBe('unsupported');
  });
});

describe('SET checks before and after the signature', () => {
  const claims = {
    iss: issuers.transmitter,
    aud: issuers.cutoff,
    iat: 1000,
    jti: 'j1',
    events: { [CAEP_SESSION_REVOKED]: {} },
  };
  const expect_ = {
    issuer: issuers.transmitter,
    audiences: [issuers.cutoff],
    nowSeconds: 1000,
    maxAgeSeconds: 600,
    leewaySeconds: 60,
  };

  it('inspects alg and typ before any key is fetched', () => {
    const token = (header: unknown, signature = 'c2ln') => `${part(header)}.${part(claims)}.${signature}`;
    expect(inspectSet(token({ alg: 'RS256', typ: 'secevent+jwt' }))).toMatchObject({
      ok: true,
      set: { issuer: issuers.transmitter },
    });
    expect(inspectSet(token({ alg: 'ES256', typ: 'application/secevent+jwt' })).ok).toBe(true);
    expect(inspectSet(token({ alg: 'none', typ: 'secevent+jwt' }, ''))).toMatchObject({
      problem: { err: 'authentication_failed' },
    });
    expect(inspectSet(token({ alg: 'HS256', typ: 'secevent+jwt' }))).toMatchObject({
      problem: { err: 'invalid_key' },
    });
    expect(inspectSet(token({ alg: 'RS256', typ: 'JWT' }))).toMatchObject({
      problem: { err: 'invalid_request' },
    });
    expect(inspectSet('a.b')).toMatchObject({ problem: { err: 'authentication_failed' } });
  });

  it('checks issuer, audience, age, jti and events with the RFC 8935 code of each failure', () => {
    expect(checkSetClaims(claims, expect_)).toMatchObject({ ok: true, claims: { jti: 'j1' } });
    expect(checkSetClaims({ ...claims, aud: ['other', issuers.cutoff] }, expect_).ok).toBe(true);
    const problem = (changes: Record<string, unknown>) => {
      const result = checkSetClaims({ ...claims, ...changes }, expect_);
      return result.ok ? 'ok' : result.problem.err;
    };
    expect(problem({ iss: 'https://evil' })).toBe('invalid_issuer');
    expect(problem({ aud: 'other' })).toBe('invalid_audience');
    expect(problem({ aud: undefined })).toBe('invalid_audience');
    expect(problem({ iat: 1000 - 601 })).toBe('invalid_request');
    expect(problem({ iat: 1000 - 600 })).toBe('ok');
    expect(problem({ iat: 1061 })).toBe('invalid_request');
    expect(problem({ iat: 1060 })).toBe('ok');
    expect(problem({ exp: 900 })).toBe('invalid_request');
    expect(problem({ jti: '' })).toBe('invalid_request');
    expect(problem({ events: {} })).toBe('invalid_request');
    expect(problem({ events: { [CAEP_SESSION_REVOKED]: 'x' } })).toBe('invalid_request');
  });

  it('maps exactly the four event types, and nothing from the prototype chain', () => {
    expect(signalMappingOf(CAEP_SESSION_REVOKED)).toEqual({
      revokes: 'subject',
      reason: 'security_incident',
    });
    expect(signalMappingOf('toString')).toBeUndefined();
    expect(
      signalMappingOf('https://schemas.openid.net/secevent/caep/event-type/token-claims-change'),
    ).toBeUndefined();
  });
});
