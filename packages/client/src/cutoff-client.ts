import { CutoffClientError, ReauthRequiredError } from './errors.js';
import { refreshTokens, type CutoffTokens } from './token-refresher.js';

export type ReauthReason = 'reauth_required';

export interface CutoffClientOptions {
  /** Cutoff's issuer URL; the token endpoint is `${issuer}/oauth/token`. */
  readonly issuer?: string;
  /** Overrides the token endpoint derived from `issuer`. */
  readonly tokenEndpoint?: string;
  /** Sent as `client_id` with the refresh grant (public clients). */
  readonly clientId?: string;
  readonly tokens: CutoffTokens;
  /** Called with every new token pair, before it is used: persist it here (rotation retires the old one). */
  readonly onTokens?: (tokens: CutoffTokens) => void | Promise<void>;
  /** Called once when the session is over; send the user to log in, then call `setTokens`. */
  readonly onReauthRequired?: (reason: ReauthReason, error: ReauthRequiredError) => void;
  readonly fetch?: typeof fetch;
  /** Default 10000. */
  readonly refreshTimeoutMs?: number;
}

export interface CutoffClient {
  /**
   * `fetch` with `Authorization: Bearer`. On a 401 it refreshes once (shared by concurrent
   * calls) and retries once; a second 401 is returned as is. Rejects with `ReauthRequiredError`
   * when the refresh token is refused, and `CutoffClientError('refresh_failed')` when the token
   * endpoint cannot be reached.
   */
  fetch(input: string | URL | Request, init?: RequestInit): Promise<Response>;
  getTokens(): CutoffTokens;
  /** Replaces the tokens (after a login) and leaves the re-authentication state. */
  setTokens(tokens: CutoffTokens): void;
}

const invalid = (message: string): CutoffClientError => new CutoffClientError('invalid_options', message);

const isStream = (body: unknown): boolean =>
  typeof ReadableStream !== 'undefined' && body instanceof ReadableStream;

const checkTokens = (tokens: CutoffTokens): CutoffTokens => {
  if (typeof tokens !== 'object' || tokens === null || typeof tokens.accessToken !== 'string') {
    throw invalid('tokens.accessToken is required');
  }
  if (tokens.refreshToken !== undefined && typeof tokens.refreshToken !== 'string') {
    throw invalid('tokens.refreshToken must be a string');
  }
  return Object.freeze({ ...tokens });
};

export const createCutoffClient = (options: CutoffClientOptions): CutoffClient => {
  const tokenEndpoint =
    options.tokenEndpoint ??
    (options.issuer === undefined ? undefined : `${options.issuer.replace(/\/+$/, '')}/oauth/token`);
  if (tokenEndpoint === undefined) throw invalid('issuer or tokenEndpoint is required');
  try {
    new URL(tokenEndpoint);
  } catch {
    throw invalid('tokenEndpoint must be an absolute URL');
  }
  const fetchImpl: typeof fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const timeoutMs = options.refreshTimeoutMs ?? 10_000;

  let tokens = checkTokens(options.tokens);
  let refreshing: Promise<CutoffTokens> | undefined;
  let reauth: ReauthRequiredError | undefined;

  const startRefresh = (): Promise<CutoffTokens> => {
    const used = tokens;
    return refreshTokens({
      fetch: fetchImpl,
      tokenEndpoint,
      clientId: options.clientId,
      tokens: used,
      timeoutMs,
    })
      .then(
        async (fresh) => {
          // setTokens() during the refresh wins: a login is newer than this rotation.
          if (tokens !== used) return tokens;
          tokens = fresh;
          try {
            await options.onTokens?.(fresh);
          } catch {
            // Persisting is the app's concern; the request must still go through with the new token.
          }
          return fresh;
        },
        (error: unknown) => {
          if (error instanceof ReauthRequiredError && tokens === used) {
            reauth = error;
            options.onReauthRequired?.('reauth_required', error);
          }
          throw error;
        },
      )
      .finally(() => {
        refreshing = undefined;
      });
  };

  /** Tokens newer than `usedAccessToken`: already there, being fetched (shared), or fetched now. */
  const tokensAfter = (usedAccessToken: string): Promise<CutoffTokens> => {
    if (tokens.accessToken !== usedAccessToken) return Promise.resolve(tokens);
    // A 401 that lands after the shared refresh already failed must not refresh again.
    if (reauth !== undefined) return Promise.reject(reauth);
    refreshing ??= startRefresh();
    return refreshing;
  };

  const send = (request: Request, accessToken: string): Promise<Response> => {
    // Each attempt sends a clone, so the original body stays available for the one retry.
    const attempt = request.clone();
    attempt.headers.set('authorization', `Bearer ${accessToken}`);
    return fetchImpl(attempt);
  };

  return {
    async fetch(input, init) {
      if (reauth !== undefined) throw reauth;
      // Node needs `duplex: 'half'` for a stream body; the clone()s tee it, buffering what a retry needs.
      const requestInit =
        init !== undefined && isStream(init.body) ? ({ duplex: 'half', ...init } as RequestInit) : init;
      const request = new Request(input, requestInit);
      const used = tokens.accessToken;
      const first = await send(request, used);
      if (first.status !== 401) return first;
      await first.body?.cancel().catch(() => {});
      const fresh = await tokensAfter(used);
      return send(request, fresh.accessToken);
    },
    getTokens: () => tokens,
    setTokens(next) {
      tokens = checkTokens(next);
      reauth = undefined;
    },
  };
};
