import { createHmac, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, exportSPKI, generateKeyPair, type CryptoKey, type JWK } from 'jose';
import type { RevocationEntry, RevocationKind } from '../../src/rule/index.js';

export const FEED_KEY = 'feed-api-key';
export const INTROSPECTION_KEY = 'introspection-api-key';
export const AUDIENCE = 'api';
export const EXTERNAL_ISSUER = 'https://idp.example';

interface KeyPair {
  readonly kid: string;
  readonly alg: string;
  readonly privateKey: CryptoKey;
  readonly publicKey: CryptoKey;
}

const keyPair = async (kid: string, alg: string): Promise<KeyPair> => {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { kid, alg, privateKey, publicKey };
};

// RSA key generation is slow; every fake server of a test file shares one set.
let sharedKeys: Promise<Record<string, KeyPair>> | undefined;
const generateKeys = async (): Promise<Record<string, KeyPair>> => {
  const [rs1, es1, ed1, ps1, stray, idp1] = await Promise.all([
    keyPair('rs1', 'RS256'),
    keyPair('es1', 'ES256'),
    keyPair('ed1', 'EdDSA'),
    keyPair('ps1', 'PS256'),
    // Never published: tokens signed with it have an unknown kid.
    keyPair('stray', 'RS256'),
    keyPair('idp1', 'RS256'),
  ]);
  return { rs1, es1, ed1, ps1, stray, idp1 };
};

const publicJwk = async (key: KeyPair): Promise<JWK> => ({
  ...(await exportJWK(key.publicKey)),
  kid: key.kid,
  alg: key.alg,
  use: 'sig',
});

export interface SignOptions {
  readonly kid?: string;
  readonly typ?: string | null;
  readonly external?: boolean;
}

export interface StreamRequest {
  readonly lastEventId: string | undefined;
  readonly guardId: string | undefined;
  readonly app: string | undefined;
  readonly authorization: string | undefined;
}

export type IntrospectionAnswer = { readonly active: boolean } | 'error';

const nowSeconds = (): number => Math.floor(Date.now() / 1000);
const b64url = (value: string | Buffer): string => Buffer.from(value).toString('base64url');

const readBody = async (req: IncomingMessage): Promise<string> => {
  let body = '';
  for await (const chunk of req) body += String(chunk);
  return body;
};

/**
 * A small, real Cutoff server for tests: JWKS, snapshot, SSE stream, guard reports and RFC 7662
 * introspection over node:http, with knobs to pause heartbeats, drop streams and lose entries.
 */
export class FakeCutoff {
  issuer = '';
  readonly entries: RevocationEntry[] = [];
  readonly streamRequests: StreamRequest[] = [];
  readonly snapshotRequests: { readonly after: number; readonly authorization: string | undefined }[] = [];
  readonly reports: Record<string, unknown>[] = [];
  readonly introspections: { readonly token: string; readonly authorization: string | undefined }[] = [];
  jwksFetches = 0;
  heartbeats = true;
  /**
   * What heartbeats say about the store read behind their head: `{ ageMs }` sends `head_read_at`
   * that long ago (a replica whose reads lag or fail), `'none'` sends no head (a replica that
   * stopped vouching), `'legacy'` sends neither `head_read_at` (a server from before it).
   */
  headRead: { readonly ageMs: number } | 'none' | 'legacy' = { ageMs: 0 };
  failSnapshots = false;
  /** Whether a (re)connecting stream gets what it missed; false: the replay never comes. */
  replay = true;
  refuseStreams = false;
  introspect: (token: string) => IntrospectionAnswer = () => ({ active: true });
  /** Extra keys published in the JWKS (key rotation). */
  readonly published: KeyPair[] = [];
  /** The `keys` field of heartbeats (as the real server sends it), or none. */
  publishedKeys: { readonly version: number; readonly kids: readonly string[] } | undefined;

  #server: Server | undefined;
  #heartbeat: ReturnType<typeof setInterval> | undefined;
  readonly #streams = new Set<ServerResponse>();
  #seq = 0;
  #keys: Record<string, KeyPair> = {};

  static async start(options: { readonly heartbeatMs?: number } = {}): Promise<FakeCutoff> {
    const fake = new FakeCutoff();
    await fake.#start(options.heartbeatMs ?? 100);
    return fake;
  }

  get head(): number {
    return this.#seq;
  }

  get openStreams(): number {
    return this.#streams.size;
  }

  key(kid: string): KeyPair {
    const key = this.#keys[kid];
    if (key === undefined) throw new Error(`no key ${kid}`);
    return key;
  }

  async #start(heartbeatMs: number): Promise<void> {
    this.#keys = await (sharedKeys ??= generateKeys());
    this.published.push(this.key('rs1'), this.key('es1'), this.key('ed1'), this.key('ps1'));
    this.#server = createServer((req, res) => {
      this.#handle(req, res).catch((error: unknown) => {
        res.statusCode = 500;
        res.end(String(error));
      });
    });
    await new Promise<void>((resolve) => this.#server!.listen(0, '127.0.0.1', resolve));
    this.issuer = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    this.#heartbeat = setInterval(() => {
      if (!this.heartbeats) return;
      for (const res of this.#streams) {
        res.write(
          `event: heartbeat\ndata: ${JSON.stringify({
            ...this.#vouch(),
            server_time: Date.now(),
            ...(this.publishedKeys !== undefined && { keys: this.publishedKeys }),
          })}\n\n`,
        );
      }
    }, heartbeatMs);
  }

  #vouch(): Record<string, number> {
    const read = this.headRead;
    if (read === 'none') return {};
    if (read === 'legacy') return { head: this.#seq };
    return { head: this.#seq, head_read_at: Date.now() - read.ageMs };
  }

  async close(): Promise<void> {
    clearInterval(this.#heartbeat);
    for (const res of this.#streams) res.destroy();
    this.#streams.clear();
    this.#server?.closeAllConnections();
    await new Promise<void>((resolve) => this.#server?.close(() => resolve()) ?? resolve());
  }

  /** Records a revocation; `silent` keeps it out of the live stream (a lost delivery). */
  revoke(
    kind: RevocationKind,
    key: string,
    options: { readonly at?: number; readonly expiresAt?: number; readonly silent?: boolean } = {},
  ): RevocationEntry {
    const at = options.at ?? nowSeconds();
    const entry: RevocationEntry = {
      seq: ++this.#seq,
      kind,
      key,
      at,
      expires_at: options.expiresAt ?? at + 605,
      reason: 'manual',
    };
    this.entries.push(entry);
    if (options.silent !== true) for (const res of this.#streams) this.#send(res, entry);
    return entry;
  }

  /** Destroys every open stream connection (the guard must resume with Last-Event-ID). */
  dropStreams(): void {
    for (const res of this.#streams) res.destroy();
    this.#streams.clear();
  }

  async sign(claims: Record<string, unknown> = {}, options: SignOptions = {}): Promise<string> {
    const key = this.key(options.kid ?? (options.external === true ? 'idp1' : 'rs1'));
    const iat = nowSeconds();
    const base: Record<string, unknown> = {
      iss: options.external === true ? EXTERNAL_ISSUER : this.issuer,
      sub: 'user-1',
      aud: AUDIENCE,
      iat,
      exp: iat + 600,
      jti: randomUUID(),
      client_id: 'web',
      sid: `session-${randomUUID()}`,
      roles: ['reader'],
      groups: ['staff'],
      amr: ['pwd', 'otp'],
      auth_time: iat,
    };
    const header: Record<string, unknown> = { alg: key.alg, kid: key.kid };
    const typ = options.typ === undefined ? 'at+jwt' : options.typ;
    if (typ !== null) header.typ = typ;
    const payload = Object.fromEntries(
      Object.entries({ ...base, ...claims }).filter(([, value]) => value !== undefined),
    );
    return new SignJWT(payload).setProtectedHeader(header as { alg: string }).sign(key.privateKey);
  }

  /** An unsigned `alg: none` token with otherwise valid claims. */
  unsigned(claims: Record<string, unknown> = {}): string {
    const iat = nowSeconds();
    const payload = {
      iss: this.issuer,
      sub: 'user-1',
      aud: AUDIENCE,
      iat,
      exp: iat + 600,
      jti: 'j',
      ...claims,
    };
    return `${b64url(JSON.stringify({ alg: 'none', typ: 'at+jwt' }))}.${b64url(JSON.stringify(payload))}.`;
  }

  /** Key confusion: HS256 "signed" with the RSA public key (PEM) as the HMAC secret. */
  async hmacWithPublicKey(claims: Record<string, unknown> = {}): Promise<string> {
    const iat = nowSeconds();
    const payload = {
      iss: this.issuer,
      sub: 'user-1',
      aud: AUDIENCE,
      iat,
      exp: iat + 600,
      jti: 'j',
      ...claims,
    };
    const input = `${b64url(JSON.stringify({ alg: 'HS256', kid: 'rs1', typ: 'at+jwt' }))}.${b64url(JSON.stringify(payload))}`;
    const pem = await exportSPKI(this.key('rs1').publicKey);
    return `${input}.${createHmac('sha256', pem).update(input).digest('base64url')}`;
  }

  #send(res: ServerResponse, entry: RevocationEntry): void {
    res.write(`event: revocation\nid: ${entry.seq}\ndata: ${JSON.stringify(entry)}\n\n`);
  }

  #authorized(req: IncomingMessage, res: ServerResponse): boolean {
    if (req.headers.authorization === `Bearer ${FEED_KEY}`) return true;
    res.statusCode = 401;
    res.end();
    return false;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.issuer);
    const route = `${req.method} ${url.pathname}`;
    switch (route) {
      case 'GET /.well-known/jwks.json':
        this.jwksFetches++;
        return this.#json(res, 200, { keys: await Promise.all(this.published.map(publicJwk)) });
      case 'GET /idp/jwks.json':
        return this.#json(res, 200, { keys: [await publicJwk(this.key('idp1'))] });
      case 'GET /v1/revocations': {
        const after = Number(url.searchParams.get('after') ?? '0');
        const limit = Number(url.searchParams.get('limit') ?? '1000');
        this.snapshotRequests.push({ after, authorization: req.headers.authorization });
        if (!this.#authorized(req, res)) return;
        if (this.failSnapshots) return this.#json(res, 503, { error: 'unavailable' });
        const now = nowSeconds();
        const live = this.entries.filter((e) => e.seq > after && e.expires_at > now);
        return this.#json(res, 200, {
          head: this.#seq,
          server_time: Date.now(),
          has_more: live.length > limit,
          entries: live.slice(0, limit),
        });
      }
      case 'GET /v1/revocations/stream': {
        const header = (name: string): string | undefined => {
          const value = req.headers[name];
          return typeof value === 'string' ? value : undefined;
        };
        this.streamRequests.push({
          lastEventId: header('last-event-id'),
          guardId: header('cutoff-guard-id'),
          app: header('cutoff-guard-app'),
          authorization: header('authorization'),
        });
        if (!this.#authorized(req, res)) return;
        if (this.refuseStreams) return this.#json(res, 503, { error: 'unavailable' });
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
        res.flushHeaders();
        const after = Number(header('last-event-id') ?? '0');
        if (this.replay) for (const entry of this.entries) if (entry.seq > after) this.#send(res, entry);
        this.#streams.add(res);
        req.on('close', () => this.#streams.delete(res));
        return;
      }
      case 'POST /v1/guards/report': {
        if (!this.#authorized(req, res)) return;
        this.reports.push(JSON.parse(await readBody(req)) as Record<string, unknown>);
        res.statusCode = 204;
        res.end();
        return;
      }
      case 'POST /oauth/introspect': {
        const token = new URLSearchParams(await readBody(req)).get('token') ?? '';
        this.introspections.push({ token, authorization: req.headers.authorization });
        const basic = `Basic ${Buffer.from('rs-client:rs-secret').toString('base64')}`;
        const auth = req.headers.authorization;
        if (auth !== `Bearer ${INTROSPECTION_KEY}` && auth !== basic) {
          return this.#json(res, 401, { error: 'invalid_client' });
        }
        const answer = this.introspect(token);
        if (answer === 'error') {
          res.destroy();
          return;
        }
        return this.#json(res, 200, answer.active ? { active: true, sub: 'user-1' } : { active: false });
      }
      default:
        res.statusCode = 404;
        res.end();
    }
  }

  #json(res: ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }
}

/** Polls until `predicate` holds, failing after `timeoutMs`. */
export const eventually = async (
  predicate: () => boolean,
  timeoutMs = 2000,
  what = 'condition',
): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};
