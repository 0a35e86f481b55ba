import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { GuardError, type RevocationKind } from '../src/index.js';
import { EXTERNAL_ISSUER, FakeCutoff, eventually } from './support/fake-cutoff.js';
import { closeGuards, outcome, startGuard } from './support/guard-setup.js';

let fake: FakeCutoff;
beforeAll(async () => {
  fake = await FakeCutoff.start();
});
afterEach(closeGuards);
afterAll(async () => {
  await fake.close();
});

const nowSeconds = (): number => Math.floor(Date.now() / 1000);

describe('verify: signatures and claims (RFC 9068)', () => {
  it.each(['rs1', 'es1', 'ed1', 'ps1'])('accepts a valid at+jwt signed with %s', async (kid) => {
    const guard = await startGuard(fake);
    const token = await fake.sign({ sub: 'alice' }, { kid });
    const verified = await guard.verify(token);
    expect(verified.claims.sub).toBe('alice');
    expect(verified.claims.iss).toBe(fake.issuer);
    expect(verified.subject.userKey).toBe('alice');
    expect(verified.external).toBe(false);
    expect(Object.isFrozen(verified.claims)).toBe(true);
    expect(Object.isFrozen(verified.claims.roles)).toBe(true);
  });

  it('rejects forged and malformed tokens with ERR_TOKEN_INVALID, never echoing the token', async () => {
    const guard = await startGuard(fake);
    const valid = await fake.sign();
    const [header, payload, signature] = valid.split('.') as [string, string, string];
    const tampered = `${header}.${Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), sub: 'admin' }),
    ).toString('base64url')}.${signature}`;
    const forged: Record<string, string> = {
      'alg none': fake.unsigned(),
      'HS256 with the RSA public key': await fake.hmacWithPublicKey(),
      'wrong typ': await fake.sign({}, { typ: 'JWT' }),
      'missing typ': await fake.sign({}, { typ: null }),
      'wrong iss': await fake.sign({ iss: 'https://evil.example' }),
      'wrong aud': await fake.sign({ aud: 'other-api' }),
      'unknown kid': await fake.sign({}, { kid: 'stray' }),
      'tampered payload': tampered,
      'missing jti': await fake.sign({ jti: undefined }),
      'iat in the future': await fake.sign({ iat: nowSeconds() + 120 }),
      'groups is not an array': await fake.sign({ groups: 'staff' }),
      'sid is not a string': await fake.sign({ sid: 42 }),
      garbage: 'not-a-jwt',
      'two segments': `${header}.${payload}`,
    };
    for (const [name, token] of Object.entries(forged)) {
      const error = await guard.verify(token).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error, name).toBeInstanceOf(GuardError);
      expect((error as GuardError).code, name).toBe('ERR_TOKEN_INVALID');
      expect((error as GuardError).message, name).not.toContain(token);
      expect(guard.check(token), name).toBeUndefined(); // never cached
    }
  });

  it('rejects an algorithm outside the configured allow-list', async () => {
    const guard = await startGuard(fake, { algorithms: ['ES256'] });
    expect(await outcome(guard, await fake.sign({}, { kid: 'rs1' }))).toBe('ERR_TOKEN_INVALID');
    expect(await outcome(guard, await fake.sign({}, { kid: 'es1' }))).toBe('ok');
  });

  it('rejects expired tokens with ERR_TOKEN_EXPIRED and a missing one with ERR_TOKEN_MISSING', async () => {
    const guard = await startGuard(fake);
    const iat = nowSeconds() - 700;
    expect(await outcome(guard, await fake.sign({ iat, exp: iat + 600 }))).toBe('ERR_TOKEN_EXPIRED');
    expect(await outcome(guard, undefined)).toBe('ERR_TOKEN_MISSING');
    expect(await outcome(guard, '')).toBe('ERR_TOKEN_MISSING');
  });

  it('expires a cached token once its exp passes', async () => {
    let offsetMs = 0;
    const guard = await startGuard(fake, { now: () => Date.now() + offsetMs });
    const token = await fake.sign();
    expect(await outcome(guard, token)).toBe('ok');
    offsetMs = 700_000;
    expect(guard.check(token)).toMatchObject({ ok: false, error: { code: 'ERR_TOKEN_EXPIRED' } });
  });

  it('refetches the JWKS once for an unknown kid, then accepts a newly published key', async () => {
    const guard = await startGuard(fake);
    expect(await outcome(guard, await fake.sign())).toBe('ok');
    const before = fake.jwksFetches;
    await new Promise((resolve) => setTimeout(resolve, 60)); // past the 50 ms cooldown
    expect(await outcome(guard, await fake.sign({}, { kid: 'stray' }))).toBe('ERR_TOKEN_INVALID');
    expect(fake.jwksFetches - before).toBe(1);
    // Within the cooldown an unknown kid does not refetch (no amplification by forged kids).
    expect(await outcome(guard, await fake.sign({}, { kid: 'stray' }))).toBe('ERR_TOKEN_INVALID');
    expect(fake.jwksFetches - before).toBe(1);

    fake.published.push(fake.key('stray'));
    try {
      await new Promise((resolve) => setTimeout(resolve, 60));
      expect(await outcome(guard, await fake.sign({}, { kid: 'stray' }))).toBe('ok');
    } finally {
      fake.published.pop();
    }
  });

  it('refuses a retired key as soon as a heartbeat leaves it out, cached tokens included', async () => {
    const guard = await startGuard(fake);
    try {
      fake.publishedKeys = { version: 100, kids: ['rs1', 'es1', 'ed1', 'ps1'] };
      await new Promise((resolve) => setTimeout(resolve, 250)); // a couple of heartbeats
      const cached = await fake.sign({ sub: 'dave' }, { kid: 'es1' });
      const unseen = await fake.sign({ sub: 'erin' }, { kid: 'es1' });
      expect(await outcome(guard, cached)).toBe('ok');
      // The heartbeat of a replica that has not reloaded its keys (an older set) changes nothing.
      fake.publishedKeys = { version: 50, kids: ['rs1'] };
      await new Promise((resolve) => setTimeout(resolve, 250));
      expect(guard.check(cached)).toMatchObject({ ok: true });
      // A later set without es1: es1 is retired, although the JWKS (still cached) has it.
      fake.publishedKeys = { version: 200, kids: ['rs1', 'ed1', 'ps1'] };
      await eventually(() => guard.check(cached) === undefined, 2000);
      for (const token of [cached, unseen]) {
        const error = await guard.verify(token).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect((error as GuardError).code).toBe('ERR_TOKEN_INVALID');
        expect((error as GuardError).detail).toBe('signing key retired');
      }
      // Retired for good: a later set that lists it again (a rollback, a stale replica) is not trusted.
      fake.publishedKeys = { version: 300, kids: ['rs1', 'es1'] };
      await new Promise((resolve) => setTimeout(resolve, 250));
      expect(await outcome(guard, unseen)).toBe('ERR_TOKEN_INVALID');
      expect(await outcome(guard, await fake.sign({ sub: 'frank' }, { kid: 'rs1' }))).toBe('ok');
    } finally {
      fake.publishedKeys = undefined;
    }
  });

  it('answers ERR_GUARD_NOT_READY (503), not a 401, when the signing keys cannot be fetched', async () => {
    const guard = await startGuard(fake, { jwksUri: `${fake.issuer}/missing/jwks.json` });
    expect(await outcome(guard, await fake.sign())).toBe('ERR_GUARD_NOT_READY');
  });

  it('serves cached tokens synchronously through check()', async () => {
    const guard = await startGuard(fake);
    const token = await fake.sign({ sub: 'carol' });
    expect(guard.check(token)).toBeUndefined();
    const verified = await guard.verify(token);
    const checked = guard.check(token);
    expect(checked).toMatchObject({ ok: true, claims: { sub: 'carol' } });
    // The hot path hands back the same frozen object: no allocation per request.
    expect(checked).toBe(guard.check(token));
    expect(await guard.verify(token)).toBe(verified);
    expect(guard.check(null)).toMatchObject({ ok: false, error: { code: 'ERR_TOKEN_MISSING' } });
  });
});

describe('verify: the revocation rule end to end', () => {
  const cases: readonly [RevocationKind, (token: Record<string, unknown>) => string][] = [
    ['session', (c) => c.sid as string],
    ['token', (c) => c.jti as string],
    ['user', (c) => c.sub as string],
    ['group', (c) => (c.groups as string[])[1]!],
    ['role', (c) => (c.roles as string[])[0]!],
    ['client', (c) => c.client_id as string],
    ['all', () => '*'],
  ];

  it.each(cases)('a %s revocation delivered over SSE rejects the cached token', async (kind, keyOf) => {
    const guard = await startGuard(fake);
    // Unique names: the fake server is shared, and its entries outlive the test.
    const unique = `${kind}-${Math.random().toString(36).slice(2)}`;
    const iat = nowSeconds(); // one second for both tokens, whatever the load
    const token = await fake.sign({
      iat,
      sub: `user-${unique}`,
      groups: ['staff', `contractors-${unique}`],
      roles: [`admin-${unique}`],
      client_id: `partner-${unique}`,
    });
    const bystander = await fake.sign({ sub: 'bystander', groups: [], roles: [], client_id: 'other', iat });
    const verified = await guard.verify(token);
    expect(await outcome(guard, bystander)).toBe('ok');
    // Watermarks are inclusive: a revocation in the token's own second already covers it.
    const entry = fake.revoke(kind, keyOf(verified.claims), { at: verified.claims.iat });
    await eventually(() => guard.status().seqApplied >= entry.seq, 2000, 'entry applied');
    const error = await guard.verify(token).then(
      () => undefined,
      (e: unknown) => e as GuardError,
    );
    expect(error?.code).toBe('ERR_TOKEN_REVOKED');
    expect(error?.match).toBe(kind);
    expect(await outcome(guard, bystander)).toBe(kind === 'all' ? 'ERR_TOKEN_REVOKED' : 'ok');
    // Clean up the watermark so other tests are not affected by an `all` entry.
    if (kind === 'all') fake.entries.pop();
  });

  it('accepts a token issued after a user watermark (the user logs in again)', async () => {
    const guard = await startGuard(fake);
    const at = nowSeconds();
    const entry = fake.revoke('user', 'dave', { at });
    await eventually(() => guard.status().seqApplied >= entry.seq);
    expect(await outcome(guard, await fake.sign({ sub: 'dave', iat: at }))).toBe('ERR_TOKEN_REVOKED');
    expect(await outcome(guard, await fake.sign({ sub: 'dave', iat: at + 1 }))).toBe('ok');
  });

  it('rejects a token whose access_until has passed', async () => {
    const guard = await startGuard(fake);
    const error = await guard
      .verify(await fake.sign({ access_until: nowSeconds() - 1 }))
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_TOKEN_REVOKED', match: 'access_until' });
    expect(await outcome(guard, await fake.sign({ access_until: nowSeconds() + 60 }))).toBe('ok');
  });
});

describe('verify: trusted external issuers', () => {
  it('verifies without typ and cuts the user with a <iss>|<sub> revocation', async () => {
    const guard = await startGuard(fake);
    const token = await fake.sign(
      { sub: '00u123', jti: undefined, sid: undefined },
      { external: true, typ: null },
    );
    const verified = await guard.verify(token);
    expect(verified.external).toBe(true);
    expect(verified.subject.userKey).toBe(`${EXTERNAL_ISSUER}|00u123`);

    // A Cutoff user with the same id is someone else.
    const local = fake.revoke('user', '00u123');
    await eventually(() => guard.status().seqApplied >= local.seq);
    expect(await outcome(guard, token)).toBe('ok');

    const entry = fake.revoke('user', `${EXTERNAL_ISSUER}|00u123`);
    await eventually(() => guard.status().seqApplied >= entry.seq);
    expect(await outcome(guard, token)).toBe('ERR_TOKEN_REVOKED');
  });

  it('still applies the issuer allow-list, audience and signature', async () => {
    const guard = await startGuard(fake);
    expect(await outcome(guard, await fake.sign({ aud: 'other' }, { external: true }))).toBe(
      'ERR_TOKEN_INVALID',
    );
    // Claims say the IdP, but signed with Cutoff's key: the IdP's JWKS does not have it.
    expect(await outcome(guard, await fake.sign({ iss: EXTERNAL_ISSUER }, { kid: 'rs1' }))).toBe(
      'ERR_TOKEN_INVALID',
    );
    // The IdP is only trusted for RS256 here.
    expect(await outcome(guard, await fake.sign({ iss: EXTERNAL_ISSUER }, { kid: 'es1' }))).toBe(
      'ERR_TOKEN_INVALID',
    );
    expect(await outcome(guard, await fake.sign({ iss: 'https://unknown.example' }))).toBe(
      'ERR_TOKEN_INVALID',
    );
  });
});
