import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { SignJWT, base64url, exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_ASSERTION_TYPE } from '../../src/use-cases/oauth/client-assertion.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { FormBrowser, continueOf, csrfOf } from './browser.js';

const REDIRECT_URI = 'http://127.0.0.1:9/callback';

/** OpenID Connect Core 1.0 section 9 / RFC 7523: clients that authenticate with their own key. */
describe('private_key_jwt client authentication', () => {
  let t: TestServer;
  let keys: { readonly privateKey: CryptoKey; readonly publicJwk: JWK };
  let clientId: string;
  let jwksServer: Server;
  let jwksUrl: string;

  const newKeys = async (alg: 'RS256' | 'ES256') => {
    const pair = await generateKeyPair(alg, { extractable: true });
    return { privateKey: pair.privateKey, publicJwk: { ...(await exportJWK(pair.publicKey)), alg } };
  };

  beforeAll(async () => {
    t = await startTestServer();
    keys = await newKeys('RS256');
    const created = await t.api('POST', '/v1/clients', {
      name: 'Key-holding app',
      type: 'confidential',
      token_endpoint_auth_method: 'private_key_jwt',
      jwks: { keys: [keys.publicJwk] },
      redirect_uris: [REDIRECT_URI],
    });
    expect(created.status).toBe(201);
    expect(created.body.client_secret).toBeUndefined();
    clientId = created.body.client_id;
  });
  afterAll(async () => {
    await t.close();
    if (jwksServer !== undefined) await new Promise((resolve) => jwksServer.close(resolve));
  });

  const assertion = (
    overrides: { claims?: Record<string, unknown>; key?: CryptoKey | Uint8Array; alg?: string } = {},
  ) => {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({
      iss: clientId,
      sub: clientId,
      aud: `${t.url}/oauth/token`,
      jti: randomUUID(),
      iat: now,
      exp: now + 60,
      ...overrides.claims,
    })
      .setProtectedHeader({ alg: overrides.alg ?? 'RS256' })
      .sign(overrides.key ?? keys.privateKey);
  };

  const tokenWith = (jwt: string) =>
    t.form('/oauth/token', {
      grant_type: 'client_credentials',
      client_assertion_type: CLIENT_ASSERTION_TYPE,
      client_assertion: jwt,
    });

  it('advertises private_key_jwt and its algorithms in discovery', async () => {
    const oidc = (await t.api('GET', '/.well-known/openid-configuration', undefined, null)).body;
    expect(oidc.token_endpoint_auth_methods_supported).toContain('private_key_jwt');
    expect(oidc.token_endpoint_auth_signing_alg_values_supported).toEqual(['RS256', 'PS256', 'ES256']);
    expect(oidc.token_endpoint_auth_signing_alg_values_supported).not.toContain('none');
  });

  it('completes code + PKCE with openid-client authenticating by PrivateKeyJwt', async () => {
    const user = await t.createUser();
    const config = await client.discovery(
      new URL(t.url),
      clientId,
      undefined,
      client.PrivateKeyJwt(keys.privateKey),
      {
        execute: [client.allowInsecureRequests],
      },
    );
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT_URI,
      scope: 'openid',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
    });
    const browser = new FormBrowser(t.url);
    await browser.get(url);
    const page = await (await browser.get('/login')).text();
    const callback = await continueOf(
      await browser.post('/login', { csrf: csrfOf(page), username: user.username, password: user.password }),
    );
    const tokens = await client.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: verifier,
      expectedState: state,
      idTokenExpected: true,
    });
    expect(tokens.claims()).toMatchObject({ sub: user.id, aud: clientId });
  });

  it('accepts the issuer as aud, and refuses a replayed jti', async () => {
    const jwt = await assertion({ claims: { aud: t.url } });
    expect((await tokenWith(jwt)).status).toBe(200);
    const replay = await tokenWith(jwt);
    expect(replay.status).toBe(401);
    expect(replay.body).toEqual({
      error: 'invalid_client',
      error_description: 'client_assertion: this jti was already used (a replay).',
    });
  });

  const refusals: [string, () => Promise<string>, string][] = [
    [
      'a key the client did not register',
      async () => assertion({ key: (await newKeys('RS256')).privateKey }),
      'the signature does not verify.',
    ],
    [
      'an expired assertion',
      () =>
        assertion({
          claims: { iat: Math.floor(Date.now() / 1000) - 900, exp: Math.floor(Date.now() / 1000) - 300 },
        }),
      'it has expired.',
    ],
    [
      'an exp more than five minutes ahead',
      () => assertion({ claims: { exp: Math.floor(Date.now() / 1000) + 3600 } }),
      'exp is more than 300 seconds ahead.',
    ],
    [
      'another audience',
      () => assertion({ claims: { aud: 'https://other-provider.example/token' } }),
      'aud must be the token endpoint URL or the issuer.',
    ],
    ['no jti', () => assertion({ claims: { jti: undefined } }), 'the jti claim is missing or invalid.'],
    [
      'a sub other than the client',
      () => assertion({ claims: { sub: 'someone-else' } }),
      'iss and sub must both be the client_id.',
    ],
    [
      'HS256 keyed with the public key (algorithm confusion)',
      () =>
        assertion({
          alg: 'HS256',
          key: new TextEncoder().encode(JSON.stringify(keys.publicJwk)),
        }),
      'alg must be one of RS256, PS256, ES256.',
    ],
    [
      'alg none',
      () => {
        const now = Math.floor(Date.now() / 1000);
        const part = (value: unknown) => base64url.encode(JSON.stringify(value));
        const claims = {
          iss: clientId,
          sub: clientId,
          aud: `${t.url}/oauth/token`,
          jti: randomUUID(),
          exp: now + 60,
        };
        return Promise.resolve(`${part({ alg: 'none' })}.${part(claims)}.`);
      },
      'alg must be one of RS256, PS256, ES256.',
    ],
  ];

  it.each(refusals)('refuses %s, naming why', async (_name, build, reason) => {
    const response = await tokenWith(await build());
    expect(response.status).toBe(401);
    expect(response.body).toEqual({
      error: 'invalid_client',
      error_description: `client_assertion: ${reason}`,
    });
  });

  it('refuses a secret for a private_key_jwt client and an assertion mixed with Basic', async () => {
    const basic = await t.form(
      '/oauth/token',
      { grant_type: 'client_credentials' },
      { authorization: `Basic ${Buffer.from(`${clientId}:guess`).toString('base64')}` },
    );
    expect(basic.status).toBe(401);
    const mixed = await t.form(
      '/oauth/token',
      {
        grant_type: 'client_credentials',
        client_assertion_type: CLIENT_ASSERTION_TYPE,
        client_assertion: await assertion(),
      },
      { authorization: `Basic ${Buffer.from(`${clientId}:guess`).toString('base64')}` },
    );
    expect(mixed.status).toBe(400);
    expect(mixed.body.error).toBe('invalid_request');
  });

  it('authenticates introspection with an assertion whose aud is the introspection endpoint', async () => {
    const response = await t.form('/oauth/introspect', {
      token: 'not-a-token',
      client_assertion_type: CLIENT_ASSERTION_TYPE,
      client_assertion: await assertion({ claims: { aud: `${t.url}/oauth/introspect` } }),
    });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ active: false });
  });

  it('verifies against a registered jwks_uri (ES256) served by the client', async () => {
    const ec = await newKeys('ES256');
    jwksServer = createServer((_request, response) =>
      response
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ keys: [ec.publicJwk] })),
    );
    await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
    jwksUrl = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/jwks.json`;
    const created = await t.api('POST', '/v1/clients', {
      name: 'Remote keys',
      type: 'confidential',
      token_endpoint_auth_method: 'private_key_jwt',
      jwks_uri: jwksUrl,
    });
    expect(created.status).toBe(201);
    expect(created.body.jwks_uri).toBe(jwksUrl);
    const id = created.body.client_id as string;
    const now = Math.floor(Date.now() / 1000);
    const jwt = await new SignJWT({
      iss: id,
      sub: id,
      aud: `${t.url}/oauth/token`,
      jti: randomUUID(),
      exp: now + 60,
    })
      .setProtectedHeader({ alg: 'ES256' })
      .sign(ec.privateKey);
    const response = await tokenWith(jwt);
    expect(response.status).toBe(200);
    expect(response.body.access_token).toBeTypeOf('string');
  });

  it.each([
    [
      { jwks_uri: 'http://keys.example.com/jwks.json' },
      'jwks_uri: "http://keys.example.com/jwks.json" uses http on a host other than a loopback address (use https).',
    ],
    [{}, 'private_key_jwt: register exactly one of jwks and jwks_uri.'],
    [{ jwks: { keys: [{ kty: 'oct', k: 'c2VjcmV0' }] } }, 'jwks: keys[0]: kty must be RSA or EC.'],
    [
      { jwks: { keys: [{ kty: 'RSA', n: 'AQAB', e: 'AQAB', d: 'AQAB' }] } },
      'jwks: keys[0] is a private key; register the public key only.',
    ],
    [
      { jwks: { keys: [{ kty: 'EC', crv: 'P-256', x: 'nope', y: 'nope' }] } },
      'jwks: keys[0] is not a usable EC public key.',
    ],
  ])('refuses a bad key registration %j', async (fields, message) => {
    const response = await t.api('POST', '/v1/clients', {
      name: 'Bad keys',
      type: 'confidential',
      token_endpoint_auth_method: 'private_key_jwt',
      ...fields,
    });
    expect(response.status).toBe(400);
    expect(response.body.message).toBe(message);
  });

  it('refuses jwks for a client that authenticates with a secret', async () => {
    const response = await t.api('POST', '/v1/clients', {
      name: 'Mixed',
      type: 'confidential',
      jwks: { keys: [keys.publicJwk] },
    });
    expect(response.status).toBe(400);
    expect(response.body.message).toBe(
      'jwks and jwks_uri are only for token_endpoint_auth_method "private_key_jwt".',
    );
  });
});
