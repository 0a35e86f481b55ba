import { randomBytes } from 'node:crypto';
import {
  exportJWK,
  generateKeyPair,
  importJWK,
  jwtVerify,
  type CryptoKey,
  type JWK,
  type JWTHeaderParameters,
  type KeyObject,
} from 'jose';
import type { SigningAlgorithm, SigningKeyRecord } from '../../domain/records.js';
import { signingKeySealContext } from '../../domain/seal-contexts.js';
import type { SecretSealer } from '../../ports/secret-sealer.js';
import type { Store } from '../../ports/storage/store.js';
import type {
  AccessTokenClaims,
  IdTokenClaims,
  PublishedKeys,
  TokenSigner,
} from '../../ports/token-signer.js';
import { createCompactSigner, type CompactSigner } from './compact-jws.js';

type Key = CryptoKey | KeyObject;

interface LoadedKey {
  readonly kid: string;
  readonly alg: SigningAlgorithm;
  readonly signer: CompactSigner;
  readonly idTokenSigner: CompactSigner;
  readonly logoutTokenSigner: CompactSigner;
  readonly publicKey: Key;
  readonly publicJwk: JWK;
}

const ALGORITHMS: readonly SigningAlgorithm[] = ['RS256', 'ES256', 'EdDSA'];
/** Unknown kids trigger at most one reload per interval, so garbage tokens cannot hammer the store. */
const UNKNOWN_KID_RELOAD_INTERVAL_MS = 5_000;
/** Replicas pick up rotations made elsewhere (and retirements) within this interval. */
const RELOAD_INTERVAL_MS = 60_000;

export interface JoseTokenSignerOptions {
  readonly store: Store;
  readonly issuer: string;
  /** The audiences this server issues tokens for; anything else is not one of its tokens. */
  readonly audience: string;
  readonly algorithm: SigningAlgorithm;
  readonly clockToleranceSeconds: number;
  readonly now: () => Date;
  /** Private keys are sealed before they are stored and opened when loaded. */
  readonly sealer: SecretSealer;
}

const loadKey = async (record: SigningKeyRecord, sealer: SecretSealer): Promise<LoadedKey> => {
  const publicJwk = JSON.parse(record.publicJwk) as JWK;
  const privateJwk = JSON.parse(sealer.open(record.privateJwk, signingKeySealContext(record.kid))) as JWK;
  return {
    kid: record.kid,
    alg: record.alg,
    signer: createCompactSigner(privateJwk, {
      alg: record.alg,
      kid: record.kid,
      typ: 'at+jwt',
    }),
    idTokenSigner: createCompactSigner(privateJwk, { alg: record.alg, kid: record.kid, typ: 'JWT' }),
    logoutTokenSigner: createCompactSigner(privateJwk, {
      alg: record.alg,
      kid: record.kid,
      typ: 'logout+jwt',
    }),
    publicKey: (await importJWK(publicJwk, record.alg)) as Key,
    publicJwk,
  };
};

/** A new key pair as a record to store, its private half sealed. */
export const generateSigningKey = async (
  alg: SigningAlgorithm,
  now: Date,
  sealer: SecretSealer,
): Promise<SigningKeyRecord> => {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const kid = randomBytes(12).toString('base64url');
  return {
    kid,
    alg,
    privateJwk: sealer.seal(JSON.stringify(await exportJWK(privateKey)), signingKeySealContext(kid)),
    publicJwk: JSON.stringify({ ...(await exportJWK(publicKey)), kid, alg, use: 'sig' }),
    status: 'current',
    createdAt: now,
  };
};

/** Key ring backed by the store, so every replica signs with the same current key. */
export const createJoseTokenSigner = async (options: JoseTokenSignerOptions): Promise<TokenSigner> => {
  const { store, issuer } = options;
  let current: LoadedKey;
  let byKid = new Map<string, LoadedKey>();
  let published: PublishedKeys = { version: 0, kids: [] };
  let lastUnknownKidReload = 0;

  const reload = async (): Promise<void> => {
    let records = await store.read((r) => r.signingKeys.listPublished());
    if (records.length === 0) {
      const key = await generateSigningKey(options.algorithm, options.now(), options.sealer);
      await store.transaction((tx) => tx.signingKeys.insert(key));
      records = await store.read((r) => r.signingKeys.listPublished());
    }
    const loaded = await Promise.all(records.map((record) => loadKey(record, options.sealer)));
    const first = loaded[0];
    if (first === undefined) throw new Error('no signing key could be loaded');
    current = first;
    byKid = new Map(loaded.map((key) => [key.kid, key]));
    published = Object.freeze({
      version: Math.max(...records.map((record) => record.createdAt.getTime())),
      kids: Object.freeze(loaded.map((key) => key.kid)),
    });
  };
  await reload();
  // A failed background reload keeps the last good key set; the next one tries again.
  setInterval(() => reload().catch(() => undefined), RELOAD_INTERVAL_MS).unref();

  const resolveKey = async (header: JWTHeaderParameters): Promise<Key> => {
    const kid = header.kid;
    if (kid === undefined) throw new Error('token has no kid');
    let key = byKid.get(kid);
    if (key === undefined && Date.now() - lastUnknownKidReload > UNKNOWN_KID_RELOAD_INTERVAL_MS) {
      lastUnknownKidReload = Date.now();
      await reload();
      key = byKid.get(kid);
    }
    if (key === undefined) throw new Error('unknown kid');
    if (header.alg !== key.alg) throw new Error('alg does not match the key');
    return key.publicKey;
  };

  return {
    sign: (claims) => current.signer.sign(claims),
    signIdToken: (claims) => current.idTokenSigner.sign(claims),
    signLogoutToken: (claims) => current.logoutTokenSigner.sign(claims),
    verifyIdTokenHint: async (token) => {
      const { payload } = await jwtVerify(token, resolveKey, {
        issuer,
        typ: 'JWT',
        algorithms: [...ALGORITHMS],
        // Any time in the past is fine for a hint; the signature and issuer are what count.
        currentDate: new Date(0),
        requiredClaims: ['sub', 'aud', 'sid'],
      });
      return payload as IdTokenClaims;
    },
    verify: async (token) => {
      const { payload } = await jwtVerify(token, resolveKey, {
        issuer,
        audience: options.audience,
        typ: 'at+jwt',
        algorithms: [...ALGORITHMS],
        clockTolerance: options.clockToleranceSeconds,
        currentDate: options.now(),
        requiredClaims: ['sub', 'exp', 'iat', 'jti', 'client_id'],
      });
      return payload as AccessTokenClaims;
    },
    jwks: () => Promise.resolve({ keys: [...byKid.values()].map((key) => key.publicJwk) }),
    isPublished: (kid) => byKid.has(kid),
    publishedKeys: () => published,
    generateKey: (alg, now) => generateSigningKey(alg, now, options.sealer),
    reload,
  };
};
