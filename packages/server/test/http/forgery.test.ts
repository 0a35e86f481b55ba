import { createHmac, generateKeyPairSync } from 'node:crypto';
import { SignJWT, importJWK, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeJwtPart, startTestServer, type TestServer } from '../support/test-server.js';

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('forged and invalid access tokens are never active', () => {
  let t: TestServer;
  let key: string;
  let genuine: string;
  let claims: Record<string, any>;
  let kid: string;
  let privateJwk: JWK;
  let publicJwk: JWK;

  const isActive = async (token: string): Promise<boolean> => {
    const response = await t.form('/oauth/introspect', { token }, { authorization: `Bearer ${key}` });
    expect(response.status).toBe(200);
    if (response.body.active === false) expect(response.body).toEqual({ active: false });
    return response.body.active as boolean;
  };
  /** Signs with the server's real private key: only the claims or header are wrong. */
  const signWithRealKey = async (payload: Record<string, unknown>, header: Record<string, unknown> = {}) =>
    new SignJWT(payload)
      .setProtectedHeader({ alg: 'RS256', kid, typ: 'at+jwt', ...header })
      .sign(await importJWK(privateJwk, 'RS256'));

  beforeAll(async () => {
    t = await startTestServer();
    key = await t.apiKey(['introspect']);
    const user = await t.createUser();
    genuine = (await t.login(user.username, user.password)).body.access_token;
    claims = decodeJwtPart(genuine, 1);
    kid = decodeJwtPart(genuine, 0).kid;
    const [stored] = await t.store.read((r) => r.signingKeys.listPublished());
    privateJwk = JSON.parse(stored!.privateJwk);
    publicJwk = JSON.parse(stored!.publicJwk);
  });
  afterAll(() => t.close());

  it('accepts the genuine token (control)', async () => {
    expect(await isActive(genuine)).toBe(true);
    expect(await isActive(await signWithRealKey({ ...claims, jti: 'at_control' }))).toBe(true);
  });

  it('alg none', async () => {
    const [, payload] = genuine.split('.');
    expect(await isActive(`${b64({ alg: 'none', typ: 'at+jwt', kid })}.${payload}.`)).toBe(false);
  });

  it('HS256 signed with the public key (key confusion)', async () => {
    const header = b64({ alg: 'HS256', typ: 'at+jwt', kid });
    const payload = genuine.split('.')[1];
    for (const secret of [JSON.stringify(publicJwk), publicJwk.n!]) {
      const signature = createHmac('sha256', secret).update(`${header}.${payload}`).digest('base64url');
      expect(await isActive(`${header}.${payload}.${signature}`)).toBe(false);
    }
  });

  it('wrong iss, aud or typ, even with a valid signature', async () => {
    expect(await isActive(await signWithRealKey({ ...claims, iss: 'https://evil.example' }))).toBe(false);
    expect(await isActive(await signWithRealKey({ ...claims, aud: 'another-api' }))).toBe(false);
    expect(await isActive(await signWithRealKey(claims, { typ: 'JWT' }))).toBe(false);
  });

  it('expired', async () => {
    const now = Math.floor(Date.now() / 1000);
    expect(await isActive(await signWithRealKey({ ...claims, iat: now - 700, exp: now - 100 }))).toBe(false);
  });

  it('unknown kid, and a foreign key reusing the real kid', async () => {
    expect(await isActive(await signWithRealKey(claims, { kid: 'not-a-key' }))).toBe(false);
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const foreign = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid, typ: 'at+jwt' })
      .sign(privateKey);
    expect(await isActive(foreign)).toBe(false);
  });

  it('tampered payload or signature', async () => {
    const [header, , signature] = genuine.split('.');
    const elevated = b64({ ...claims, roles: ['admin'] });
    expect(await isActive(`${header}.${elevated}.${signature}`)).toBe(false);
    const flipped = signature!.slice(0, -2) + (signature!.endsWith('AA') ? 'BB' : 'AA');
    expect(await isActive(`${header}.${genuine.split('.')[1]}.${flipped}`)).toBe(false);
  });

  it('missing required claims', async () => {
    const { jti: _jti, ...withoutJti } = claims;
    expect(await isActive(await signWithRealKey(withoutJti))).toBe(false);
    const { client_id: _clientId, ...withoutClient } = claims;
    expect(await isActive(await signWithRealKey(withoutClient))).toBe(false);
  });
});
