import type { RevocationEntry, RevocationKind } from './revocation-entry.js';
import type { TokenSubject } from './token-subject.js';

/** Why a token is rejected by the rule: the kind of the matching entry, or `access_until`. */
export type RevocationMatch = RevocationKind | 'access_until';

/**
 * Watermarked keys keep two numbers per key (the watermark and when it expires); keyed kinds
 * only keep the expiry. Plain Maps keyed by the entry key are the smallest structure V8 offers
 * that still answers in tens of nanoseconds.
 */
class WatermarkMap {
  readonly #at = new Map<string, number>();
  readonly #expiresAt = new Map<string, number>();

  get size(): number {
    return this.#at.size;
  }

  set(key: string, at: number, expiresAt: number): void {
    // A later, higher watermark supersedes an earlier one; never lower a watermark.
    const previous = this.#at.get(key);
    if (previous === undefined || at >= previous) this.#at.set(key, at);
    this.#expiresAt.set(key, Math.max(expiresAt, this.#expiresAt.get(key) ?? 0));
  }

  covers(key: string, iat: number): boolean {
    const at = this.#at.get(key);
    return at !== undefined && iat <= at;
  }

  prune(now: number): void {
    for (const [key, expiresAt] of this.#expiresAt) {
      if (expiresAt <= now) {
        this.#expiresAt.delete(key);
        this.#at.delete(key);
      }
    }
  }
}

class KeyedMap {
  readonly #expiresAt = new Map<string, number>();

  get size(): number {
    return this.#expiresAt.size;
  }

  set(key: string, expiresAt: number): void {
    this.#expiresAt.set(key, Math.max(expiresAt, this.#expiresAt.get(key) ?? 0));
  }

  has(key: string): boolean {
    return this.#expiresAt.has(key);
  }

  prune(now: number): void {
    for (const [key, expiresAt] of this.#expiresAt) if (expiresAt <= now) this.#expiresAt.delete(key);
  }
}

/**
 * The revocation rule of DESIGN.md over the live entries a holder (guard or server) has applied.
 * Pure and synchronous: no I/O, no clock of its own (callers pass `now` in seconds).
 */
export class RevocationIndex {
  readonly #sessions = new KeyedMap();
  readonly #tokens = new KeyedMap();
  readonly #users = new WatermarkMap();
  readonly #groups = new WatermarkMap();
  readonly #roles = new WatermarkMap();
  readonly #clients = new WatermarkMap();
  #allAt = Number.NEGATIVE_INFINITY;
  #allExpiresAt = Number.NEGATIVE_INFINITY;
  #seq = 0;
  #version = 0;

  /**
   * Bumped by every `apply`. A token found clean at version v stays clean while the version is
   * unchanged (pruning only removes entries), so holders can skip the lookups for repeat tokens.
   */
  get version(): number {
    return this.#version;
  }

  /** The highest seq applied. */
  get seq(): number {
    return this.#seq;
  }

  /** Live entries held (watermarks of one key count once). */
  get size(): number {
    return (
      this.#sessions.size +
      this.#tokens.size +
      this.#users.size +
      this.#groups.size +
      this.#roles.size +
      this.#clients.size +
      (this.#allExpiresAt === Number.NEGATIVE_INFINITY ? 0 : 1)
    );
  }

  apply(entry: RevocationEntry): void {
    switch (entry.kind) {
      case 'session':
        this.#sessions.set(entry.key, entry.expires_at);
        break;
      case 'token':
        this.#tokens.set(entry.key, entry.expires_at);
        break;
      case 'user':
        this.#users.set(entry.key, entry.at, entry.expires_at);
        break;
      case 'group':
        this.#groups.set(entry.key, entry.at, entry.expires_at);
        break;
      case 'role':
        this.#roles.set(entry.key, entry.at, entry.expires_at);
        break;
      case 'client':
        this.#clients.set(entry.key, entry.at, entry.expires_at);
        break;
      case 'all':
        this.#allAt = Math.max(this.#allAt, entry.at);
        this.#allExpiresAt = Math.max(this.#allExpiresAt, entry.expires_at);
        break;
    }
    if (entry.seq > this.#seq) this.#seq = entry.seq;
    this.#version += 1;
  }

  /** Drops entries whose expiry has passed: no token they could match is still valid. */
  prune(now: number): void {
    this.#sessions.prune(now);
    this.#tokens.prune(now);
    this.#users.prune(now);
    this.#groups.prune(now);
    this.#roles.prune(now);
    this.#clients.prune(now);
    if (this.#allExpiresAt <= now) {
      this.#allAt = Number.NEGATIVE_INFINITY;
      this.#allExpiresAt = Number.NEGATIVE_INFINITY;
    }
  }

  /**
   * Returns what rejects the token, or `undefined` when nothing does. `now` is in seconds.
   * Watermark comparisons are inclusive: a token issued in the watermark's second is rejected.
   */
  match(subject: TokenSubject, now: number): RevocationMatch | undefined {
    const { iat } = subject;
    if (subject.accessUntil !== undefined && subject.accessUntil <= now) return 'access_until';
    if (iat <= this.#allAt) return 'all';
    if (subject.sid !== undefined && this.#sessions.has(subject.sid)) return 'session';
    if (subject.jti !== undefined && this.#tokens.has(subject.jti)) return 'token';
    if (subject.userKey !== undefined && this.#users.covers(subject.userKey, iat)) return 'user';
    if (subject.clientId !== undefined && this.#clients.covers(subject.clientId, iat)) return 'client';
    for (const group of subject.groups) if (this.#groups.covers(group, iat)) return 'group';
    for (const role of subject.roles) if (this.#roles.covers(role, iat)) return 'role';
    return undefined;
  }
}
