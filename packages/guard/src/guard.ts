import { GuardError, type GuardErrorCode, type RevokedBy } from './errors.js';
import { GuardReporter } from './feed/guard-reporter.js';
import { RequestScope } from './feed/request-scope.js';
import { GuardPeriodicTask } from './lib/periodic-task.js';
import { RevocationFeed } from './feed/revocation-feed.js';
import { rateLimiter, type GuardLogger } from './logger.js';
import {
  resolveGuardOptions,
  type GuardOptions,
  type ResolvedGuardOptions,
  type StalePolicy,
} from './options.js';
import { RevocationIndex } from './rule/index.js';
import type { VerifiedToken } from './verify/access-token-claims.js';
import { IntrospectionClient } from './verify/introspection-client.js';
import { BoundedCache } from './verify/token-cache.js';
import { TokenVerifier } from './verify/token-verifier.js';

/** A successful check: the verified token plus `ok: true`. One frozen object per cached token. */
export type CheckSuccess = VerifiedToken & { readonly ok: true };
export interface CheckFailure {
  readonly ok: false;
  readonly error: GuardError;
}
export type CheckResult = CheckSuccess | CheckFailure;

export interface GuardStatus {
  /** The initial snapshot has been loaded. */
  readonly ready: boolean;
  /** Not ready, or the guard has not been current for longer than `maxStalenessMs`. */
  readonly degraded: boolean;
  /**
   * Milliseconds since the last instant at which the guard had applied every entry the store
   * held (a snapshot or heartbeat head at or below `seqApplied`); `null` before it ever had.
   */
  readonly stalenessMs: number | null;
  readonly seqApplied: number;
  readonly head: number;
  /** Live revocation entries held. */
  readonly entries: number;
  readonly policy: StalePolicy;
  readonly connected: boolean;
  readonly cachedTokens: number;
  readonly guardId: string;
  /** Server time minus local time, as last seen in the feed. */
  readonly clockSkewMs: number | null;
  readonly lastError?: string;
}

export interface Guard {
  /** Resolves once the revocation snapshot is loaded; rejects only if closed before that. */
  readonly ready: Promise<void>;
  readonly id: string;
  readonly logger: GuardLogger;
  readonly policy: StalePolicy;
  /** Verifies the token and applies the revocation rule and the staleness policy. Rejects with `GuardError`. */
  verify(token: string | null | undefined): Promise<VerifiedToken>;
  /**
   * Synchronous fast path: the result when it can be decided without I/O (the token was verified
   * before, or is missing); `undefined` when the caller must `await verify(token)`.
   */
  check(token: string | null | undefined): CheckResult | undefined;
  status(): GuardStatus;
  /** Aborts the feed, clears every timer, and resolves when all background work has stopped. */
  close(): Promise<void>;
}

interface CachedToken {
  readonly success: CheckSuccess;
  readonly exp: number;
  /** The signing key, so a retired key's tokens can be dropped. */
  readonly kid: string | undefined;
  /** The index version at which the rule last found the token clean (-1: never checked). */
  cleanAtVersion: number;
}

const TICK_MS = 250;
const FAIL_OPEN_WARN_INTERVAL_MS = 1000;
/** The server promises a heartbeat at least this often. */
const HEARTBEAT_INTERVAL_MS = 1000;

const failure = (code: GuardErrorCode, detail?: string, match?: RevokedBy): CheckFailure => ({
  ok: false,
  error: new GuardError(code, { detail, match }),
});

class CutoffGuard implements Guard {
  readonly ready: Promise<void>;
  readonly id: string = globalThis.crypto.randomUUID();
  readonly logger: GuardLogger;
  readonly policy: StalePolicy;
  readonly #options: ResolvedGuardOptions;
  readonly #index = new RevocationIndex();
  readonly #scope = new RequestScope();
  readonly #verifier: TokenVerifier;
  readonly #cache: BoundedCache<CachedToken>;
  readonly #verifying = new Map<string, Promise<CachedToken>>();
  readonly #introspection: IntrospectionClient | undefined;
  readonly #feed: RevocationFeed;
  readonly #reporter: GuardReporter;
  readonly #mayWarnFailOpen: () => boolean;
  readonly #ticker: GuardPeriodicTask;
  #lastPruneAt: number;
  #wasDegraded = false;
  #closed = false;

  constructor(options: ResolvedGuardOptions) {
    this.#options = options;
    this.logger = options.logger;
    this.policy = options.whenStale;
    this.#verifier = new TokenVerifier(options);
    this.#cache = new BoundedCache(options.cacheMaxTokens);
    this.#mayWarnFailOpen = rateLimiter(FAIL_OPEN_WARN_INTERVAL_MS, options.monotonicNow);
    this.#introspection =
      options.introspection === undefined
        ? undefined
        : new IntrospectionClient(options.introspection, {
            fetch: options.fetch,
            monotonicNow: options.monotonicNow,
            logger: options.logger,
            maxEntries: options.cacheMaxTokens,
            scope: this.#scope,
          });
    this.#reporter = new GuardReporter({
      options,
      guardId: this.id,
      scope: this.#scope,
      seqApplied: () => this.#feed.seqApplied,
      freshness: () => {
        const { degraded, stalenessMs } = this.status();
        return { degraded, stalenessMs };
      },
    });
    this.#feed = new RevocationFeed({
      options,
      index: this.#index,
      guardId: this.id,
      scope: this.#scope,
      onApplied: (seq, appliedAtMs) => this.#reporter.applied(seq, appliedAtMs),
      onPublishedKeys: (version, kids) => this.#onPublishedKeys(version, kids),
    });
    this.ready = this.#feed.ready.then(() => this.#reporter.schedule());
    this.ready.catch(() => {});
    if (options.whenStale === 'fail-open') {
      options.logger.warn(
        'cutoff guard: whenStale is FAIL-OPEN: while the revocation feed is stale, revoked tokens may be accepted',
        { app: options.app, maxStalenessMs: options.maxStalenessMs },
      );
    }
    if (options.maxStalenessMs < HEARTBEAT_INTERVAL_MS) {
      options.logger.warn(
        'cutoff guard: maxStalenessMs is below the feed heartbeat interval; expect flapping',
        {
          maxStalenessMs: options.maxStalenessMs,
          heartbeatIntervalMs: HEARTBEAT_INTERVAL_MS,
        },
      );
    }
    this.#lastPruneAt = options.monotonicNow();
    this.#ticker = new GuardPeriodicTask(() => this.#tick(), {
      intervalMs: TICK_MS,
      scheduler: options.scheduler,
      onError: (error) =>
        options.logger.error('cutoff guard: periodic housekeeping failed', {
          detail: error instanceof Error ? error.message : String(error),
        }),
    });
    this.#ticker.start();
    this.#feed.start();
    this.#verifier.warm().catch((error: unknown) => {
      options.logger.debug('cutoff guard: JWKS prefetch failed; will retry on demand', {
        detail: error instanceof Error ? error.message : String(error),
      });
    });
  }

  readonly check = (token: string | null | undefined): CheckResult | undefined => {
    if (typeof token !== 'string' || token === '') return failure('ERR_TOKEN_MISSING');
    const cached = this.#cache.get(token);
    return cached === undefined ? undefined : this.#decide(token, cached);
  };

  readonly verify = async (token: string | null | undefined): Promise<VerifiedToken> => {
    const result = this.check(token);
    if (result !== undefined) {
      if (result.ok) return result;
      throw result.error;
    }
    const key = token as string;
    let cached = this.#cache.get(key);
    if (cached === undefined) {
      cached = await this.#verifyOnce(key);
      const decided = this.#decide(key, cached);
      if (decided !== undefined) {
        if (decided.ok) return decided;
        throw decided.error;
      }
    }
    // Only the introspect policy, while degraded, gets here.
    const active = await this.#introspection!.introspect(key);
    if (!active) {
      throw new GuardError('ERR_TOKEN_REVOKED', {
        detail: 'introspection: inactive',
        match: 'introspection',
      });
    }
    return cached.success;
  };

  status(): GuardStatus {
    const monotonicNow = this.#options.monotonicNow();
    const freshAt = this.#feed.freshAt;
    const lastError = this.#feed.lastError;
    const skew = this.#feed.clockSkewMs;
    return {
      ready: this.#feed.isReady,
      degraded: !this.#fresh(monotonicNow),
      stalenessMs: freshAt === undefined ? null : Math.max(0, Math.round(monotonicNow - freshAt)),
      seqApplied: this.#feed.seqApplied,
      head: this.#feed.head,
      entries: this.#index.size,
      policy: this.policy,
      connected: this.#feed.connected,
      cachedTokens: this.#cache.size,
      guardId: this.id,
      clockSkewMs: skew === undefined ? null : Math.round(skew),
      ...(lastError === undefined ? {} : { lastError }),
    };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#ticker.stop();
    this.#reporter.close();
    this.#scope.abortAll();
    await this.#feed.close();
  }

  /** Retired own signing keys: their cached tokens go at once, and new ones are refused. */
  #onPublishedKeys(version: number, kids: readonly string[]): void {
    const retired = this.#verifier.applyPublishedKeys(version, kids);
    if (retired.length === 0) return;
    this.#cache.deleteWhere((cached) => !cached.success.external && this.#verifier.isRetired(cached.kid));
    this.logger.info('cutoff guard: signing keys retired; their tokens are refused from now on', {
      kids: retired,
    });
  }

  /** Signature checks run once per token even when a burst of requests brings it at once. */
  #verifyOnce(token: string): Promise<CachedToken> {
    let pending = this.#verifying.get(token);
    if (pending === undefined) {
      pending = this.#verifier
        .verify(token)
        .then(({ verified, kid }) => {
          const success: CheckSuccess = Object.freeze({ ok: true as const, ...verified });
          const cached: CachedToken = { success, exp: verified.claims.exp, kid, cleanAtVersion: -1 };
          this.#cache.set(token, cached);
          return cached;
        })
        .finally(() => this.#verifying.delete(token));
      this.#verifying.set(token, pending);
    }
    return pending;
  }

  /** The per-request decision for a verified token: expiry, the rule, then staleness. */
  #decide(token: string, cached: CachedToken): CheckResult | undefined {
    const nowSeconds = this.#options.now() / 1000;
    if (cached.exp <= nowSeconds - this.#options.clockToleranceSeconds) {
      this.#cache.delete(token);
      return failure('ERR_TOKEN_EXPIRED');
    }
    const { subject } = cached.success;
    if (subject.accessUntil !== undefined && subject.accessUntil <= nowSeconds) {
      return failure('ERR_TOKEN_REVOKED', 'access_until has passed', 'access_until');
    }
    // Repeat tokens skip the rule's lookups until a new entry arrives (see RevocationIndex.version).
    const version = this.#index.version;
    if (cached.cleanAtVersion !== version) {
      const match = this.#index.match(subject, nowSeconds);
      if (match !== undefined) return failure('ERR_TOKEN_REVOKED', `matched a ${match} revocation`, match);
      cached.cleanAtVersion = version;
    }
    const monotonicNow = this.#options.monotonicNow();
    if (this.#fresh(monotonicNow)) {
      if (this.#wasDegraded) this.#noteDegraded(false);
      return cached.success;
    }
    if (!this.#wasDegraded && this.#feed.isReady) this.#noteDegraded(true);
    return this.#whenStale(token, cached, monotonicNow);
  }

  #fresh(monotonicNow: number): boolean {
    const freshAt = this.#feed.freshAt;
    return (
      this.#feed.isReady && freshAt !== undefined && monotonicNow - freshAt <= this.#options.maxStalenessMs
    );
  }

  #whenStale(token: string, cached: CachedToken, monotonicNow: number): CheckResult | undefined {
    const ready = this.#feed.isReady;
    switch (this.policy) {
      case 'fail-closed':
        return ready ? failure('ERR_GUARD_STALE') : failure('ERR_GUARD_NOT_READY');
      case 'fail-open':
        if (this.#mayWarnFailOpen()) {
          const freshAt = this.#feed.freshAt;
          this.logger.warn('cutoff guard: FAIL-OPEN: accepting a token without current revocation state', {
            app: this.#options.app,
            ready,
            stalenessMs: freshAt === undefined ? null : Math.round(monotonicNow - freshAt),
          });
        }
        return cached.success;
      case 'introspect': {
        // Cutoff can only vouch for its own tokens; an external IdP's token stays refused.
        if (cached.success.external)
          return failure('ERR_GUARD_STALE', 'external tokens cannot be introspected');
        const active = this.#introspection!.cached(token);
        if (active === undefined) return undefined;
        return active
          ? cached.success
          : failure('ERR_TOKEN_REVOKED', 'introspection: inactive', 'introspection');
      }
    }
  }

  #tick(): void {
    const monotonicNow = this.#options.monotonicNow();
    this.#feed.tick(monotonicNow);
    if (!this.#feed.isReady) return;
    this.#reporter.tick(monotonicNow);
    if (monotonicNow - this.#lastPruneAt >= this.#options.pruneIntervalMs) {
      this.#lastPruneAt = monotonicNow;
      this.#prune();
    }
    const degraded = !this.#fresh(monotonicNow);
    if (degraded !== this.#wasDegraded) this.#noteDegraded(degraded);
  }

  /** Logs entering and leaving the degraded state once each, whoever notices first. */
  #noteDegraded(degraded: boolean): void {
    this.#wasDegraded = degraded;
    // The fleet view learns of the change now, not at the next keepalive.
    this.#reporter.schedule();
    if (degraded) {
      this.logger.warn(`cutoff guard: revocation state is stale; applying the ${this.policy} policy`, {
        app: this.#options.app,
        maxStalenessMs: this.#options.maxStalenessMs,
        lastError: this.#feed.lastError,
      });
    } else {
      this.logger.info('cutoff guard: revocation state is current again');
    }
  }

  #prune(): void {
    const nowSeconds = this.#options.now() / 1000;
    this.#index.prune(nowSeconds);
    const horizon = nowSeconds - this.#options.clockToleranceSeconds;
    this.#cache.deleteWhere((cached) => cached.exp <= horizon);
  }
}

/** Validates the options (throwing `ERR_GUARD_OPTIONS`) and starts the guard's feed. */
export const createGuard = (options: GuardOptions): Guard => new CutoffGuard(resolveGuardOptions(options));
