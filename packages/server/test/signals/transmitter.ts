import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';

/**
 * A Shared Signals transmitter for tests: its own key pair, its JWKS served over a real HTTP
 * server (what Okta or Entra publish at their jwks_uri), and SETs signed with `jose` as the
 * SSF 1.0 / RFC 8417 wire format describes them.
 */
export interface TestTransmitter {
  readonly issuer: string;
  readonly jwksUri: string;
  /** How many times the JWKS was fetched. */
  readonly fetches: () => number;
  /** While false the JWKS answers 503 (the transmitter's key endpoint is down). */
  setAvailable(available: boolean): void;
  /** A signed SET; `header`/`claims` override the defaults (set a claim to undefined to drop it). */
  sign(options: {
    readonly events: Record<string, unknown>;
    readonly subId?: unknown;
    readonly claims?: Record<string, unknown>;
    readonly header?: Record<string, unknown>;
    readonly key?: CryptoKey;
  }): Promise<string>;
  /** A signed JWT of arbitrary claims (Okta Universal Logout's request authentication). */
  signJwt(claims: Record<string, unknown>, header?: Record<string, unknown>): Promise<string>;
  close(): Promise<void>;
}

export const startTestTransmitter = async (options: {
  readonly audience: string;
  readonly issuer?: string;
  readonly alg?: 'RS256' | 'ES256' | 'PS256';
}): Promise<TestTransmitter> => {
  const alg = options.alg ?? 'RS256';
  const { privateKey, publicKey } = await generateKeyPair(alg);
  const kid = `k-${randomUUID()}`;
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  let fetches = 0;
  let available = true;
  const server: Server = createServer((request, response) => {
    if (request.url === '/jwks.json' && !available) response.writeHead(503).end();
    else if (request.url === '/jwks.json') {
      fetches += 1;
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }));
    } else response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const issuer = options.issuer ?? `${base}/`;
  const signJwt = async (
    claims: Record<string, unknown>,
    header: Record<string, unknown> = {},
    key = privateKey,
  ) => {
    const payload = Object.fromEntries(Object.entries(claims).filter(([, value]) => value !== undefined));
    return new SignJWT(payload).setProtectedHeader({ alg, kid, ...header }).sign(key);
  };
  return {
    issuer,
    jwksUri: `${base}/jwks.json`,
    fetches: () => fetches,
    setAvailable: (value) => {
      available = value;
    },
    sign: ({ events, subId, claims = {}, header = {}, key }) =>
      signJwt(
        {
          iss: issuer,
          aud: options.audience,
          iat: Math.floor(Date.now() / 1000),
          jti: randomUUID(),
          ...(subId !== undefined && { sub_id: subId }),
          events,
          ...claims,
        },
        { typ: 'secevent+jwt', ...header },
        key,
      ),
    signJwt: (claims, header) => signJwt(claims, header),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
};
