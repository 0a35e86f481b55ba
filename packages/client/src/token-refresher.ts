import { CutoffClientError, ReauthRequiredError } from './errors.js';

export interface CutoffTokens {
  readonly accessToken: string;
  /** Without one, a 401 goes straight to re-authentication. */
  readonly refreshToken?: string;
}

interface TokenResponse {
  readonly access_token?: unknown;
  readonly refresh_token?: unknown;
  readonly token_type?: unknown;
  readonly error?: unknown;
}

/**
 * One `refresh_token` grant (RFC 6749 §6). A 400/401 answer means the grant is dead
 * (`ReauthRequiredError`); anything else (network, 5xx, garbage) is transient (`refresh_failed`).
 */
export const refreshTokens = async (deps: {
  readonly fetch: typeof fetch;
  readonly tokenEndpoint: string;
  readonly clientId: string | undefined;
  readonly tokens: CutoffTokens;
  readonly timeoutMs: number;
}): Promise<CutoffTokens> => {
  const { refreshToken } = deps.tokens;
  if (refreshToken === undefined || refreshToken === '') throw new ReauthRequiredError('no refresh token');
  const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken });
  if (deps.clientId !== undefined) form.set('client_id', deps.clientId);
  let response: Response;
  let body: TokenResponse | undefined;
  try {
    response = await deps.fetch(deps.tokenEndpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: form.toString(),
      signal: AbortSignal.timeout(deps.timeoutMs),
    });
    const json: unknown = await response.json().catch(() => undefined);
    body = typeof json === 'object' && json !== null ? json : undefined;
  } catch (error) {
    throw new CutoffClientError('refresh_failed', 'token refresh request failed', { cause: error });
  }
  if (response.status === 400 || response.status === 401) {
    const oauthError = typeof body?.error === 'string' ? body.error : undefined;
    throw new ReauthRequiredError(`refresh refused (${oauthError ?? `HTTP ${response.status}`})`, oauthError);
  }
  if (response.status !== 200 || typeof body?.access_token !== 'string' || body.access_token === '') {
    throw new CutoffClientError('refresh_failed', `token endpoint answered HTTP ${response.status}`);
  }
  if (typeof body.token_type === 'string' && body.token_type.toLowerCase() !== 'bearer') {
    throw new CutoffClientError('refresh_failed', `unsupported token_type ${body.token_type}`);
  }
  return Object.freeze({
    accessToken: body.access_token,
    // Rotation: the server normally returns a new refresh token; keep the old one if it did not.
    refreshToken: typeof body.refresh_token === 'string' ? body.refresh_token : refreshToken,
  });
};
