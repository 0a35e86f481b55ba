import { randomUUID } from 'node:crypto';
import { generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CAEP_CREDENTIAL_CHANGE,
  CAEP_SESSION_REVOKED,
  RISC_ACCOUNT_DISABLED,
} from '../../src/domain/signals/event-mapping.js';
import { postgresTestsSkipped, TEST_BACKENDS } from '../support/stores.js';
import { decodeJwtPart, startTestServer, type TestServer } from '../support/test-server.js';
import { startTestTransmitter, type TestTransmitter } from './transmitter.js';

interface SignedInUser {
  readonly id: string;
  readonly email: string;
  readonly accessToken: string;
  readonly refreshToken: string;
  readonly sessionId: string;
}

describe.each(TEST_BACKENDS)('Shared Signals receiver, POST /ssf/receive (%s)', (backend) => {
  const skip = backend === 'postgres' && postgresTestsSkipped();
  let t: TestServer;
  let okta: TestTransmitter;
  let introspectKey: string;

  beforeAll(async () => {
    if (skip) return;
    t = await startTestServer({ backend });
    okta = await startTestTransmitter({ audience: t.config.issuer });
    introspectKey = await t.apiKey(['introspect']);
    const put = await t.api('PUT', '/v1/ssf/transmitters/okta', {
      issuer: okta.issuer,
      jwks_uri: okta.jwksUri,
      max_age_seconds: 600,
    });
    expect(put.status).toBe(201);
  });
  afterAll(async () => {
    if (skip) return;
    await okta.close();
    await t.close();
  });

  const signIn = async (existing?: { id: string; email: string; username: string; password: string }) => {
    const user =
      existing ??
      (await (async () => {
        const username = `ssf-${randomUUID().slice(0, 8)}`;
        const email = `${username}@example.com`;
        const password = `pw-${username}-secret`;
        const created = await t.api('POST', '/v1/users', { username, password, email });
        expect(created.status).toBe(201);
        return { id: created.body.id as string, email, username, password };
      })());
    const login = await t.login(user.username, user.password);
    expect(login.status).toBe(200);
    const signedIn: SignedInUser = {
      id: user.id,
      email: user.email,
      accessToken: login.body.access_token,
      refreshToken: login.body.refresh_token,
      sessionId: decodeJwtPart(login.body.access_token, 1)['sid'],
    };
    return { ...signedIn, account: user };
  };

  const push = (token: string, contentType = 'application/secevent+jwt') =>
    fetch(`${t.url}/ssf/receive`, { method: 'POST', headers: { 'content-type': contentType }, body: token });

  const active = async (token: string): Promise<boolean> =>
    (await t.form('/oauth/introspect', { token }, { authorization: `Bearer ${introspectKey}` })).body.active;

  const expectUntouched = async (user: SignedInUser) => {
    expect(await active(user.accessToken)).toBe(true);
    expect(await active(user.refreshToken)).toBe(true);
  };

  const auditOf = async (action: string) =>
    ((await t.api('GET', `/v1/audit?action=${action}&limit=1000`)).body.events ?? []) as any[];

  it.skipIf(skip)(
    'session-revoked for an email subject: 202 without a body, the token dies, the feed carries it, audited',
    async () => {
      const user = await signIn();
      const set = await okta.sign({
        subId: { format: 'email', email: user.email.toUpperCase() },
        events: { [CAEP_SESSION_REVOKED]: { event_timestamp: Math.floor(Date.now() / 1000) } },
      });
      const response = await push(set);
      expect(response.status).toBe(202);
      expect(await response.text()).toBe('');
      expect(await active(user.accessToken)).toBe(false);
      expect(await active(user.refreshToken)).toBe(false);

      const feed = await t.api('GET', '/v1/revocations?after=0');
      expect(feed.body.entries).toContainEqual(
        expect.objectContaining({ kind: 'user', key: user.id, reason: 'security_incident' }),
      );
      const jti = decodeJwtPart(set, 1)['jti'];
      const received = (await auditOf('ssf.event_received')).find((event) => event.details?.jti === jti);
      expect(received).toMatchObject({
        actor: { type: 'ssf_transmitter', id: 'okta' },
        details: { transmitter: 'okta', events: [{ type: CAEP_SESSION_REVOKED, applied: true }] },
      });
      // The jti, never the token.
      expect(JSON.stringify(received)).not.toContain(set);
    },
  );

  it.skipIf(skip)('a complex subject naming a Cutoff session revokes that session only', async () => {
    const first = await signIn();
    const second = await signIn(first.account);
    const response = await push(
      await okta.sign({
        subId: {
          format: 'complex',
          user: { format: 'email', email: first.email },
          session: { format: 'opaque', id: first.sessionId },
        },
        events: { [CAEP_SESSION_REVOKED]: {} },
      }),
    );
    expect(response.status).toBe(202);
    expect(await active(first.accessToken)).toBe(false);
    await expectUntouched(second);
  });

  it.skipIf(skip)(
    'credential-change (legacy event subject, iss_sub of the transmitter = external id) and RISC account-disabled revoke the user',
    async () => {
      const user = await signIn();
      const externalId = `00u${randomUUID().slice(0, 8)}`;
      // As SCIM provisioning from the IdP sets it (the IdP's own user id).
      await t.store.transaction((tx) =>
        tx.users.update(user.id as never, { externalId, updatedAt: new Date() }),
      );
      const credential = await push(
        await okta.sign({
          events: {
            [CAEP_CREDENTIAL_CHANGE]: {
              subject: { format: 'iss_sub', iss: okta.issuer, sub: externalId },
              credential_type: 'password',
              change_type: 'update',
            },
          },
        }),
      );
      expect(credential.status).toBe(202);
      expect(await active(user.accessToken)).toBe(false);
      const feed = await t.api('GET', '/v1/revocations?after=0');
      expect(feed.body.entries).toContainEqual(
        expect.objectContaining({ kind: 'user', key: user.id, reason: 'credential_change' }),
      );

      const other = await signIn();
      const disabled = await push(
        await okta.sign({
          subId: { format: 'iss_sub', iss: t.config.issuer, sub: other.id },
          events: { [RISC_ACCOUNT_DISABLED]: { reason: 'hijacking' } },
        }),
      );
      expect(disabled.status).toBe(202);
      expect(await active(other.refreshToken)).toBe(false);
    },
  );

  it.skipIf(skip)('ES256 and PS256 transmitters are verified as RS256 ones are', async () => {
    for (const alg of ['ES256', 'PS256'] as const) {
      const user = await signIn();
      const other = await startTestTransmitter({ audience: t.config.issuer, alg });
      try {
        const name = `t-${alg.toLowerCase()}`;
        expect(
          (
            await t.api('PUT', `/v1/ssf/transmitters/${name}`, {
              issuer: other.issuer,
              jwks_uri: other.jwksUri,
            })
          ).status,
        ).toBe(201);
        const set = await other.sign({
          subId: { format: 'email', email: user.email },
          events: { [CAEP_SESSION_REVOKED]: {} },
        });
        expect((await push(set)).status).toBe(202);
        expect(await active(user.refreshToken)).toBe(false);
        expect((await t.api('DELETE', `/v1/ssf/transmitters/${name}`)).status).toBe(204);
      } finally {
        await other.close();
      }
    }
  });

  it.skipIf(skip)(
    'an unknown event type or unknown subject: 202, nothing revoked, audited as ignored',
    async () => {
      const user = await signIn();
      const unknownEvent = await okta.sign({
        subId: { format: 'email', email: user.email },
        events: { 'https://schemas.openid.net/secevent/caep/event-type/assurance-level-change': {} },
      });
      expect((await push(unknownEvent)).status).toBe(202);
      const unknownUser = await okta.sign({
        subId: { format: 'email', email: 'nobody-here@example.com' },
        events: { [CAEP_SESSION_REVOKED]: {} },
      });
      expect((await push(unknownUser)).status).toBe(202);
      const foreignIssuer = await okta.sign({
        subId: { format: 'iss_sub', iss: 'https://elsewhere.example.com', sub: user.id },
        events: { [CAEP_SESSION_REVOKED]: {} },
      });
      expect((await push(foreignIssuer)).status).toBe(202);
      await expectUntouched(user);
      const ignored = await auditOf('ssf.event_ignored');
      for (const set of [unknownEvent, unknownUser, foreignIssuer])
        expect(ignored.some((event) => event.details?.jti === decodeJwtPart(set, 1)['jti'])).toBe(true);
    },
  );

  describe('refused SETs change nothing', () => {
    const sessionRevokedFor = (user: SignedInUser) => ({
      subId: { format: 'email', email: user.email },
      events: { [CAEP_SESSION_REVOKED]: {} },
    });
    const expectRefused = async (token: string, status: number, err: string, user: SignedInUser) => {
      const response = await push(token);
      expect(response.status).toBe(status);
      const body = (await response.json()) as { err: string; description: string };
      expect(body.err).toBe(err);
      expect(body.description).toEqual(expect.any(String));
      await expectUntouched(user);
    };

    it.skipIf(skip)('a forged signature (another key, same kid): 401 authentication_failed', async () => {
      const user = await signIn();
      const { privateKey } = await generateKeyPair('RS256');
      await expectRefused(
        await okta.sign({ ...sessionRevokedFor(user), key: privateKey }),
        401,
        'authentication_failed',
        user,
      );
    });

    it.skipIf(skip)('an untrusted issuer: 400 invalid_issuer', async () => {
      const user = await signIn();
      const set = await okta.sign({
        ...sessionRevokedFor(user),
        claims: { iss: 'https://evil.example.com/' },
      });
      await expectRefused(set, 400, 'invalid_issuer', user);
    });

    it.skipIf(skip)('another audience: 400 invalid_audience', async () => {
      const user = await signIn();
      const set = await okta.sign({
        ...sessionRevokedFor(user),
        claims: { aud: 'https://someone-else.example.com' },
      });
      await expectRefused(set, 400, 'invalid_audience', user);
    });

    it.skipIf(skip)('a replayed jti: the first applies, the replay is 400 invalid_request', async () => {
      const victim = await signIn();
      // The SET names the session, so a new session of the same user shows what a replay would do.
      const set = await okta.sign({
        subId: { format: 'complex', session: { format: 'opaque', id: victim.sessionId } },
        events: { [CAEP_SESSION_REVOKED]: {} },
      });
      expect((await push(set)).status).toBe(202);
      expect(await active(victim.accessToken)).toBe(false);
      const again = await signIn(victim.account);
      await expectRefused(set, 400, 'invalid_request', again);
    });

    it.skipIf(skip)('a stale iat, or one in the future: 400 invalid_request', async () => {
      const user = await signIn();
      const now = Math.floor(Date.now() / 1000);
      await expectRefused(
        await okta.sign({ ...sessionRevokedFor(user), claims: { iat: now - 601 } }),
        400,
        'invalid_request',
        user,
      );
      await expectRefused(
        await okta.sign({ ...sessionRevokedFor(user), claims: { iat: now + 3600 } }),
        400,
        'invalid_request',
        user,
      );
    });

    it.skipIf(skip)('alg none: 401 authentication_failed; HS256: 400 invalid_key', async () => {
      const user = await signIn();
      const claims = {
        iss: okta.issuer,
        aud: t.config.issuer,
        iat: Math.floor(Date.now() / 1000),
        jti: randomUUID(),
        sub_id: { format: 'email', email: user.email },
        events: { [CAEP_SESSION_REVOKED]: {} },
      };
      const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
      const unsigned = `${part({ alg: 'none', typ: 'secevent+jwt' })}.${part(claims)}.`;
      await expectRefused(unsigned, 401, 'authentication_failed', user);
      const hs256 = await new SignJWT(claims)
        .setProtectedHeader({ alg: 'HS256', typ: 'secevent+jwt' })
        .sign(new TextEncoder().encode('a-shared-secret-an-attacker-guessed-from-the-jwks'));
      await expectRefused(hs256, 400, 'invalid_key', user);
    });

    it.skipIf(skip)('a wrong typ: 400 invalid_request; no body or garbage: 401', async () => {
      const user = await signIn();
      await expectRefused(
        await okta.sign({ ...sessionRevokedFor(user), header: { typ: 'JWT' } }),
        400,
        'invalid_request',
        user,
      );
      await expectRefused('', 401, 'authentication_failed', user);
      await expectRefused('not.a.jwt', 401, 'authentication_failed', user);
    });
  });

  it.skipIf(skip)(
    'a transmitter whose JWKS cannot be fetched: 503, nothing applied; the retry applies',
    async () => {
      const user = await signIn();
      const flaky = await startTestTransmitter({ audience: t.config.issuer });
      try {
        const put = await t.api('PUT', '/v1/ssf/transmitters/flaky', {
          issuer: flaky.issuer,
          jwks_uri: flaky.jwksUri,
        });
        expect(put.status).toBe(201);
        const set = await flaky.sign({
          subId: { format: 'email', email: user.email },
          events: { [CAEP_SESSION_REVOKED]: {} },
        });
        flaky.setAvailable(false);
        const refused = await push(set);
        expect(refused.status).toBe(503);
        await expectUntouched(user);
        // RFC 8935 section 2.4: the transmitter retries the same SET; its jti was not spent.
        flaky.setAvailable(true);
        expect((await push(set)).status).toBe(202);
        expect(await active(user.accessToken)).toBe(false);
        expect((await t.api('DELETE', '/v1/ssf/transmitters/flaky')).status).toBe(204);
      } finally {
        await flaky.close();
      }
    },
  );
});
