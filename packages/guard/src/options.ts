import { GuardError } from './errors.js';
import { defaultLogger, type GuardLogger } from './logger.js';
import { systemGuardScheduler, type GuardScheduler } from './lib/periodic-task.js';
import { DEFAULT_CLOCK_TOLERANCE_SECONDS } from './rule/issued-at.js';

/** Asymmetric algorithms only: `none` and HS* (shared secrets, key confusion) are never accepted. */
export const ALLOWED_ALGORITHMS = ['RS256', 'ES256', 'EdDSA', 'PS256'] as const;
export type GuardAlgorithm = (typeof ALLOWED_ALGORITHMS)[number];

export const STALE_POLICIES = ['fail-closed', 'introspect', 'fail-open'] as const;
/** What the guard does when it has not heard the feed for longer than `maxStalenessMs`. */
export type StalePolicy = (typeof STALE_POLICIES)[number];

/**
 * Every default, written once: the option docs below point here and the resolver reads from here
 * (`packages/guard/README.md` lists the same values; `options.test.ts` checks the resolver).
 */
export const GUARD_DEFAULTS = Object.freeze({
  app: 'unnamed',
  maxStalenessMs: 5000,
  whenStale: 'fail-closed' satisfies StalePolicy,
  clockToleranceSeconds: DEFAULT_CLOCK_TOLERANCE_SECONDS,
  cacheMaxTokens: 10_000,
  pruneIntervalMs: 5000,
  streamIdleTimeoutMs: 3000,
  jwksCooldownMs: 1000,
  lagResyncMs: 2000,
  introspection: Object.freeze({ cacheMs: 1000, timeoutMs: 2000 }),
} as const);

/** An external IdP (Okta, Entra ID, ...) whose tokens the guard accepts next to Cutoff's own. */
export interface TrustedIssuerOptions {
  readonly issuer: string;
  readonly jwksUri: string;
  /** Defaults to the guard's `audience`. */
  readonly audience?: string | readonly string[];
  /** Defaults to the guard's `algorithms`. */
  readonly algorithms?: readonly GuardAlgorithm[];
}

export interface IntrospectionOptions {
  /** Sent as `Authorization: Bearer <apiKey>`. */
  readonly apiKey?: string;
  /** With `clientSecret`: HTTP Basic client authentication (RFC 6749 §2.3.1). */
  readonly clientId?: string;
  readonly clientSecret?: string;
  /** How long one answer is reused for the same token. Default: `GUARD_DEFAULTS.introspection.cacheMs`. */
  readonly cacheMs?: number;
  /** Default: `GUARD_DEFAULTS.introspection.timeoutMs`. */
  readonly timeoutMs?: number;
  /** Default `${issuer}/oauth/introspect`. */
  readonly endpoint?: string;
}

export interface GuardOptions {
  /** Cutoff's issuer URL, compared exactly with the `iss` claim. */
  readonly issuer: string;
  readonly audience: string | readonly string[];
  readonly algorithms: readonly GuardAlgorithm[];
  /** Default `${issuer}/.well-known/jwks.json`. */
  readonly jwksUri?: string;
  /** Base URL of the revocation feed. Default: the issuer. */
  readonly feedUrl?: string;
  readonly feedApiKey: string;
  /** Name this app reports to the server (`Cutoff-Guard-App`): 1-128 printable ASCII, no spaces. Default: `GUARD_DEFAULTS.app`. */
  readonly app?: string;
  /** Longest time without hearing the feed before the guard is degraded. Default: `GUARD_DEFAULTS.maxStalenessMs`. */
  readonly maxStalenessMs?: number;
  /** Default: `GUARD_DEFAULTS.whenStale`. */
  readonly whenStale?: StalePolicy;
  readonly introspection?: IntrospectionOptions;
  readonly trustedIssuers?: readonly TrustedIssuerOptions[];
  /** Default: `GUARD_DEFAULTS.clockToleranceSeconds`. */
  readonly clockToleranceSeconds?: number;
  readonly logger?: GuardLogger;
  readonly fetch?: typeof fetch;
  /** Wall clock in epoch milliseconds (tests freeze it). Default `Date.now`. */
  readonly now?: () => number;
  /** Monotonic milliseconds, used for staleness. Default `performance.now`. */
  readonly monotonicNow?: () => number;
  /** Timers of the guard's housekeeping tick (tests inject a manual one). Default: real timers. */
  readonly scheduler?: GuardScheduler;
  /** Verified tokens kept so repeat requests skip signature checks. Default: `GUARD_DEFAULTS.cacheMaxTokens`. */
  readonly cacheMaxTokens?: number;
  /** How often expired revocations are dropped. Default: `GUARD_DEFAULTS.pruneIntervalMs`. */
  readonly pruneIntervalMs?: number;
  /** Reconnect the stream when it has been silent this long (heartbeats come every second). Default: `GUARD_DEFAULTS.streamIdleTimeoutMs`. */
  readonly streamIdleTimeoutMs?: number;
  /** Least time between JWKS refetches caused by an unknown `kid`. Default: `GUARD_DEFAULTS.jwksCooldownMs`. */
  readonly jwksCooldownMs?: number;
  /** Re-fetch the snapshot delta when heartbeats show the guard behind for this long. Default: `GUARD_DEFAULTS.lagResyncMs`. */
  readonly lagResyncMs?: number;
}

export interface ResolvedIssuer {
  readonly issuer: string;
  readonly jwksUri: string;
  readonly audience: string[];
  readonly algorithms: GuardAlgorithm[];
  /** Own tokens must be RFC 9068 `at+jwt`; external IdPs do not all send it. */
  readonly requireAtJwt: boolean;
  readonly external: boolean;
}

export interface ResolvedIntrospection {
  readonly endpoint: string;
  readonly authorization: string;
  readonly cacheMs: number;
  readonly timeoutMs: number;
}

export interface ResolvedGuardOptions {
  readonly own: ResolvedIssuer;
  readonly trusted: readonly ResolvedIssuer[];
  readonly feedUrl: string;
  readonly feedApiKey: string;
  readonly app: string;
  readonly maxStalenessMs: number;
  readonly whenStale: StalePolicy;
  readonly introspection: ResolvedIntrospection | undefined;
  readonly clockToleranceSeconds: number;
  readonly logger: GuardLogger;
  readonly fetch: typeof fetch;
  readonly now: () => number;
  readonly monotonicNow: () => number;
  readonly scheduler: GuardScheduler;
  readonly cacheMaxTokens: number;
  readonly pruneIntervalMs: number;
  readonly streamIdleTimeoutMs: number;
  readonly jwksCooldownMs: number;
  readonly lagResyncMs: number;
}

/** Options are the developer's own configuration: saying which one is wrong is public. */
const invalid = (detail: string): GuardError =>
  new GuardError('ERR_GUARD_OPTIONS', { message: `The guard options are invalid: ${detail}.`, detail });

const nonEmptyString = (value: unknown, name: string): string => {
  if (typeof value !== 'string' || value.trim() === '') throw invalid(`${name} must be a non-empty string`);
  return value;
};

const httpUrl = (value: unknown, name: string): string => {
  const text = nonEmptyString(value, name);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw invalid(`${name} must be an absolute URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw invalid(`${name} must be an http(s) URL`);
  return text;
};

const positiveNumber = (value: unknown, fallback: number, name: string, min = Number.MIN_VALUE): number => {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
    throw invalid(`${name} must be a finite number ${min === Number.MIN_VALUE ? '> 0' : `>= ${min}`}`);
  }
  return value;
};

const audiences = (value: unknown, name: string): string[] => {
  const list: unknown[] = typeof value === 'string' ? [value] : Array.isArray(value) ? value : [];
  if (list.length === 0) throw invalid(`${name} is required`);
  return list.map((item, i) => nonEmptyString(item, `${name}[${i}]`));
};

const algorithmList = (value: unknown, name: string): GuardAlgorithm[] => {
  if (!Array.isArray(value) || value.length === 0) throw invalid(`${name} must list at least one algorithm`);
  return value.map((alg: unknown) => {
    if (typeof alg !== 'string' || !(ALLOWED_ALGORITHMS as readonly string[]).includes(alg)) {
      throw invalid(`${name}: ${String(alg)} is not allowed (allowed: ${ALLOWED_ALGORITHMS.join(', ')})`);
    }
    return alg as GuardAlgorithm;
  });
};

// Sent as the `Cutoff-Guard-App` header: printable ASCII without spaces, as the server accepts.
const APP_NAME = /^[\x21-\x7e]{1,128}$/;
const appName = (value: unknown): string => {
  if (typeof value !== 'string' || !APP_NAME.test(value)) {
    throw invalid('app must be 1-128 printable ASCII characters without spaces');
  }
  return value;
};

/** Joins a base URL and an absolute path without doubling slashes. */
export const joinUrl = (base: string, path: string): string => base.replace(/\/+$/, '') + path;

const basicAuthorization = (clientId: string, clientSecret: string): string => {
  // RFC 6749 §2.3.1: both parts are form-urlencoded before base64.
  const encode = (part: string): string => encodeURIComponent(part).replace(/%20/g, '+');
  return `Basic ${btoa(`${encode(clientId)}:${encode(clientSecret)}`)}`;
};

const resolveIntrospection = (
  options: IntrospectionOptions | undefined,
  issuer: string,
): ResolvedIntrospection | undefined => {
  if (options === undefined) return undefined;
  let authorization: string;
  if (options.apiKey !== undefined) {
    authorization = `Bearer ${nonEmptyString(options.apiKey, 'introspection.apiKey')}`;
  } else if (options.clientId !== undefined || options.clientSecret !== undefined) {
    authorization = basicAuthorization(
      nonEmptyString(options.clientId, 'introspection.clientId'),
      nonEmptyString(options.clientSecret, 'introspection.clientSecret'),
    );
  } else {
    throw invalid('introspection needs apiKey, or clientId and clientSecret');
  }
  return Object.freeze({
    endpoint:
      options.endpoint === undefined
        ? joinUrl(issuer, '/oauth/introspect')
        : httpUrl(options.endpoint, 'introspection.endpoint'),
    authorization,
    cacheMs: positiveNumber(
      options.cacheMs,
      GUARD_DEFAULTS.introspection.cacheMs,
      'introspection.cacheMs',
      0,
    ),
    timeoutMs: positiveNumber(
      options.timeoutMs,
      GUARD_DEFAULTS.introspection.timeoutMs,
      'introspection.timeoutMs',
    ),
  });
};

/** Validates options once at creation and returns a frozen, fully defaulted copy. */
export const resolveGuardOptions = (options: GuardOptions): ResolvedGuardOptions => {
  if (typeof options !== 'object' || options === null) throw invalid('options are required');
  const issuer = httpUrl(options.issuer, 'issuer');
  const audience = audiences(options.audience, 'audience');
  const algorithms = algorithmList(options.algorithms, 'algorithms');
  const feedApiKey = nonEmptyString(options.feedApiKey, 'feedApiKey');

  const whenStale: StalePolicy = options.whenStale ?? GUARD_DEFAULTS.whenStale;
  if (!(STALE_POLICIES as readonly string[]).includes(whenStale)) {
    throw invalid(`whenStale must be one of ${STALE_POLICIES.join(', ')}`);
  }
  const introspection = resolveIntrospection(options.introspection, issuer);
  if (whenStale === 'introspect' && introspection === undefined) {
    throw invalid("whenStale 'introspect' needs introspection credentials");
  }

  const trustedInput: unknown = options.trustedIssuers ?? [];
  if (!Array.isArray(trustedInput)) throw invalid('trustedIssuers must be an array');
  const trusted = (trustedInput as readonly TrustedIssuerOptions[]).map((item, i): ResolvedIssuer => {
    if (typeof item !== 'object' || item === null) throw invalid(`trustedIssuers[${i}] must be an object`);
    const name = `trustedIssuers[${i}]`;
    return Object.freeze({
      issuer: nonEmptyString(item.issuer, `${name}.issuer`),
      jwksUri: httpUrl(item.jwksUri, `${name}.jwksUri`),
      audience: item.audience === undefined ? audience : audiences(item.audience, `${name}.audience`),
      algorithms:
        item.algorithms === undefined ? algorithms : algorithmList(item.algorithms, `${name}.algorithms`),
      requireAtJwt: false,
      external: true,
    });
  });
  const seen = new Set([issuer]);
  for (const item of trusted) {
    if (seen.has(item.issuer)) {
      throw invalid(`trustedIssuers: ${item.issuer} is listed twice or is the own issuer`);
    }
    seen.add(item.issuer);
  }

  const clock = (value: unknown, name: string, fallback: () => number): (() => number) => {
    if (value === undefined) return fallback;
    if (typeof value !== 'function') throw invalid(`${name} must be a function`);
    return value as () => number;
  };
  if (options.fetch === undefined && typeof globalThis.fetch !== 'function') {
    throw invalid('fetch is not available; pass options.fetch');
  }
  if (options.fetch !== undefined && typeof options.fetch !== 'function')
    throw invalid('fetch must be a function');
  // Late-bound so the global is called with the right receiver and test interceptors still see it.
  const fetchImpl: typeof fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));

  return Object.freeze({
    own: Object.freeze({
      issuer,
      jwksUri:
        options.jwksUri === undefined
          ? joinUrl(issuer, '/.well-known/jwks.json')
          : httpUrl(options.jwksUri, 'jwksUri'),
      audience,
      algorithms,
      requireAtJwt: true,
      external: false,
    }),
    trusted: Object.freeze(trusted),
    feedUrl: options.feedUrl === undefined ? issuer : httpUrl(options.feedUrl, 'feedUrl'),
    feedApiKey,
    app: options.app === undefined ? GUARD_DEFAULTS.app : appName(options.app),
    maxStalenessMs: positiveNumber(options.maxStalenessMs, GUARD_DEFAULTS.maxStalenessMs, 'maxStalenessMs'),
    whenStale,
    introspection,
    clockToleranceSeconds: positiveNumber(
      options.clockToleranceSeconds,
      GUARD_DEFAULTS.clockToleranceSeconds,
      'clockToleranceSeconds',
      0,
    ),
    logger: options.logger ?? defaultLogger,
    fetch: fetchImpl,
    now: clock(options.now, 'now', Date.now),
    monotonicNow: clock(options.monotonicNow, 'monotonicNow', () => performance.now()),
    scheduler: options.scheduler ?? systemGuardScheduler,
    cacheMaxTokens: Math.floor(
      positiveNumber(options.cacheMaxTokens, GUARD_DEFAULTS.cacheMaxTokens, 'cacheMaxTokens', 1),
    ),
    pruneIntervalMs: positiveNumber(
      options.pruneIntervalMs,
      GUARD_DEFAULTS.pruneIntervalMs,
      'pruneIntervalMs',
    ),
    streamIdleTimeoutMs: positiveNumber(
      options.streamIdleTimeoutMs,
      GUARD_DEFAULTS.streamIdleTimeoutMs,
      'streamIdleTimeoutMs',
    ),
    jwksCooldownMs: positiveNumber(
      options.jwksCooldownMs,
      GUARD_DEFAULTS.jwksCooldownMs,
      'jwksCooldownMs',
      0,
    ),
    lagResyncMs: positiveNumber(options.lagResyncMs, GUARD_DEFAULTS.lagResyncMs, 'lagResyncMs'),
  });
};
