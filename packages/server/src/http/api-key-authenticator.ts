import type { ApiKeyRecord, ApiKeyScope, Actor } from '../domain/records.js';
import type { ApiKeyId } from '../domain/ids.js';
import { hash, timingSafeEqual } from 'node:crypto';
import { hashSecret } from '../lib/secrets.js';
import type { Clock } from '../ports/clock.js';
import type { Store } from '../ports/storage/store.js';

export interface Principal {
  readonly actor: Actor;
  readonly scopes: readonly ApiKeyScope[];
}

export interface ApiKeyAuthenticator {
  /** The principal of a presented key, or undefined (unknown, revoked, expired). */
  readonly authenticate: (presented: string) => Promise<Principal | undefined>;
  /**
   * Drops everything cached, so that a key revoked on this replica is refused by the next
   * request (one store read per key in use afterwards; revocations are rare), then runs the
   * listeners (open feed streams re-check their key) and resolves when they are done.
   */
  readonly forget: () => Promise<void>;
  /** Registers a listener of `forget`; returns its removal. */
  readonly onForget: (listener: () => Promise<void>) => () => void;
}

export interface ApiKeyAuthenticatorOptions {
  readonly store: Store;
  readonly clock: Clock;
  /** CUTOFF_ADMIN_KEY. */
  readonly adminKey?: string | undefined;
  /** CUTOFF_ADMIN_KEY_PREVIOUS: accepted until `adminKeyPreviousUntil` while clients move over. */
  readonly adminKeyPrevious?: string | undefined;
  readonly adminKeyPreviousUntil?: Date | undefined;
  /**
   * How long a key record read from the store is trusted: the bound within which a key revoked
   * on another replica is refused here. One indexed read per key in use per `cacheMs`.
   */
  readonly cacheMs: number;
  /** Told of every successful use (coalesced into last_used_at elsewhere; must not do I/O). */
  readonly onUse?: (id: ApiKeyId, at: Date) => void;
}

const CACHE_MAX = 10_000;

export const parseBearer = (header: string | undefined): string | undefined => {
  if (header === undefined) return undefined;
  const match = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i.exec(header.trim());
  return match?.[1];
};

export const hasScope = (principal: Principal, scope: ApiKeyScope): boolean =>
  principal.scopes.includes('admin') || principal.scopes.includes(scope);

const bootstrapPrincipal = (id: string): Principal =>
  Object.freeze({
    actor: Object.freeze({ type: 'admin', id } as const),
    scopes: Object.freeze(['admin'] as const),
  });
const BOOTSTRAP_ADMIN = bootstrapPrincipal('bootstrap');
const BOOTSTRAP_ADMIN_PREVIOUS = bootstrapPrincipal('bootstrap-previous');

/** What a stored key grants, worked out once per read (not per request). */
interface Grant {
  readonly id: ApiKeyId;
  readonly principal: Principal;
  /** Infinity without expiry. */
  readonly expiresAtMs: number;
}

interface CacheEntry {
  readonly loadedAtMs: number;
  readonly grant: Promise<Grant | undefined>;
  /** Set once the read has answered: a hit then costs no await (a microtask hop). */
  loaded?: { readonly grant: Grant | undefined };
}

/** Undefined for a key that grants nothing whatever the time: unknown or revoked. */
const grantOf = (record: ApiKeyRecord | undefined): Grant | undefined =>
  record === undefined || record.revokedAt !== null
    ? undefined
    : {
        id: record.id,
        principal: Object.freeze({
          actor: Object.freeze({ type: 'api_key', id: record.id } as const),
          scopes: Object.freeze([...record.scopes]),
        }),
        expiresAtMs: record.expiresAt?.getTime() ?? Number.POSITIVE_INFINITY,
      };

export const createApiKeyAuthenticator = (options: ApiKeyAuthenticatorOptions): ApiKeyAuthenticator => {
  const { store, clock, cacheMs } = options;
  const onUse = options.onUse ?? (() => undefined);
  // Hashed once: every call then costs one SHA-256 of the presented key and constant-time compares.
  const digestOf = (key: string | undefined) =>
    key === undefined ? undefined : Buffer.from(hashSecret(key), 'hex');
  const adminKeyHash = digestOf(options.adminKey);
  const previousAdminKeyHash = digestOf(options.adminKeyPrevious);
  const previousUntilMs = options.adminKeyPreviousUntil?.getTime() ?? Number.POSITIVE_INFINITY;

  // keyHash -> what the key granted when read at loadedAtMs. The promise itself is cached, so
  // that concurrent requests with an expired entry share one store read (single flight).
  let cache = new Map<string, CacheEntry>();
  const forgetListeners = new Set<() => Promise<void>>();

  const load = (keyHash: string, nowMs: number): CacheEntry => {
    const generation = cache;
    const entry: CacheEntry = {
      loadedAtMs: nowMs,
      grant: store.read((r) => r.apiKeys.findByHash(keyHash)).then(grantOf),
    };
    if (generation.size >= CACHE_MAX) generation.clear();
    generation.set(keyHash, entry);
    entry.grant.then(
      (grant) => {
        entry.loaded = { grant };
      },
      // A failed read is not cached: the next request tries the store again.
      () => {
        if (generation.get(keyHash) === entry) generation.delete(keyHash);
      },
    );
    return entry;
  };

  return {
    forget: () => {
      // Entries are set when their read starts, so this also drops reads in flight: a read that
      // began before the revocation committed is never consulted by a later request.
      cache = new Map();
      return Promise.allSettled([...forgetListeners].map((listener) => listener())).then(() => undefined);
    },
    onForget: (listener) => {
      forgetListeners.add(listener);
      return () => forgetListeners.delete(listener);
    },
    authenticate: async (presented) => {
      const digest = hash('sha256', presented, 'buffer');
      const now = clock.now();
      if (adminKeyHash !== undefined && timingSafeEqual(digest, adminKeyHash)) return BOOTSTRAP_ADMIN;
      if (
        previousAdminKeyHash !== undefined &&
        timingSafeEqual(digest, previousAdminKeyHash) &&
        now.getTime() < previousUntilMs
      )
        return BOOTSTRAP_ADMIN_PREVIOUS;
      const keyHash = digest.toString('hex'); // as hashSecret() stores it
      // Monotonic time for the cache bound: a wall-clock step must not stretch it.
      const nowMs = performance.now();
      let entry = cache.get(keyHash);
      if (entry === undefined || nowMs - entry.loadedAtMs >= cacheMs) entry = load(keyHash, nowMs);
      const grant = entry.loaded === undefined ? await entry.grant : entry.loaded.grant;
      if (grant === undefined || now.getTime() >= grant.expiresAtMs) return undefined;
      onUse(grant.id, now);
      return grant.principal;
    },
  };
};
