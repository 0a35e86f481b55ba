import { GuardError } from '../errors.js';
import type { GuardLogger } from '../logger.js';
import type { RequestScope } from '../feed/request-scope.js';
import type { ResolvedIntrospection } from '../options.js';

interface Answer {
  readonly active: boolean;
  readonly until: number;
}

/**
 * RFC 7662 client used while the feed is stale. Answers are cached briefly per token and
 * concurrent requests for one token share one call, so an outage does not multiply the load on
 * the server by the request rate.
 */
export class IntrospectionClient {
  readonly #config: ResolvedIntrospection;
  readonly #fetch: typeof fetch;
  readonly #monotonicNow: () => number;
  readonly #logger: GuardLogger;
  readonly #maxEntries: number;
  readonly #scope: RequestScope;
  readonly #answers = new Map<string, Answer>();
  readonly #inFlight = new Map<string, Promise<boolean>>();

  constructor(
    config: ResolvedIntrospection,
    deps: {
      readonly fetch: typeof fetch;
      readonly monotonicNow: () => number;
      readonly logger: GuardLogger;
      readonly maxEntries: number;
      readonly scope: RequestScope;
    },
  ) {
    this.#config = config;
    this.#fetch = deps.fetch;
    this.#monotonicNow = deps.monotonicNow;
    this.#logger = deps.logger;
    this.#maxEntries = deps.maxEntries;
    this.#scope = deps.scope;
  }

  /** The cached answer for the token, if still fresh. */
  cached(token: string): boolean | undefined {
    const answer = this.#answers.get(token);
    if (answer === undefined) return undefined;
    if (answer.until > this.#monotonicNow()) return answer.active;
    this.#answers.delete(token);
    return undefined;
  }

  /** Resolves to `active`; rejects with `ERR_INTROSPECTION_FAILED` on any failure (fail closed). */
  introspect(token: string): Promise<boolean> {
    const cached = this.cached(token);
    if (cached !== undefined) return Promise.resolve(cached);
    let pending = this.#inFlight.get(token);
    if (pending === undefined) {
      pending = this.#call(token).finally(() => this.#inFlight.delete(token));
      this.#inFlight.set(token, pending);
    }
    return pending;
  }

  clear(): void {
    this.#answers.clear();
  }

  async #call(token: string): Promise<boolean> {
    let active: boolean;
    try {
      active = await this.#scope.run(this.#config.timeoutMs, async (signal) => {
        const response = await this.#fetch(this.#config.endpoint, {
          method: 'POST',
          headers: {
            authorization: this.#config.authorization,
            'content-type': 'application/x-www-form-urlencoded',
            accept: 'application/json',
          },
          body: new URLSearchParams({ token, token_type_hint: 'access_token' }).toString(),
          signal,
        });
        if (response.status !== 200) {
          await response.body?.cancel();
          throw new Error(`introspection answered HTTP ${response.status}`);
        }
        const body: unknown = await response.json();
        const value =
          typeof body === 'object' && body !== null ? (body as { active?: unknown }).active : undefined;
        if (typeof value !== 'boolean') throw new Error('introspection answer has no boolean "active"');
        return value;
      });
    } catch (error) {
      const detail = error instanceof Error ? error.message : 'unknown error';
      this.#logger.warn('cutoff guard: introspection failed; refusing the token', { detail });
      throw new GuardError('ERR_INTROSPECTION_FAILED', { detail, cause: error });
    }
    if (this.#config.cacheMs > 0) {
      if (this.#answers.size >= this.#maxEntries) {
        const oldest = this.#answers.keys().next();
        if (oldest.done !== true) this.#answers.delete(oldest.value);
      }
      this.#answers.set(token, { active, until: this.#monotonicNow() + this.#config.cacheMs });
    }
    return active;
  }
}
