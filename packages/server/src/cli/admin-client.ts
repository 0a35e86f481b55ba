/** A small client for the admin HTTP API, used by the CLI. Never prints or logs the key. */
export class AdminApiError extends Error {
  override readonly name = 'AdminApiError';
  constructor(
    readonly status: number,
    readonly body: unknown,
    hint?: string,
  ) {
    const message =
      typeof body === 'object' && body !== null && 'message' in body
        ? String(body.message)
        : `HTTP ${status}`;
    super(hint === undefined ? message : `${message.replace(/\.$/, '')} — ${hint}`);
  }
}

/** The server could not be reached, or what answered is not a Cutoff server. */
export class ServerUnreachableError extends Error {
  override readonly name = 'ServerUnreachableError';
}

export interface AdminClient {
  request<T>(method: string, path: string, body?: unknown): Promise<T>;
}

const WHERE = 'set --url or CUTOFF_URL';

/** What to do about the answers that are about the caller's credential, not the request. */
const HINTS: Readonly<Partial<Record<number, string>>> = {
  401: 'check --key or CUTOFF_ADMIN_KEY (the key `cutoff serve` printed, or one from `cutoff apikeys create`)',
  403: 'this API key lacks the scope; use an admin key (--key or CUTOFF_ADMIN_KEY)',
};

/** undici's `fetch failed` hides the reason in `cause`; these are the ones a person can act on. */
const REASONS: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  ETIMEDOUT: 'timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  UND_ERR_CONNECT_TIMEOUT: 'connect timed out',
  UND_ERR_SOCKET: 'connection closed',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed TLS certificate',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'TLS certificate not trusted',
  CERT_HAS_EXPIRED: 'TLS certificate expired',
  ERR_TLS_CERT_ALTNAME_INVALID: 'TLS certificate is for another host',
};

const reasonOf = (error: unknown): string => {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
  const code = typeof cause?.code === 'string' ? cause.code : undefined;
  if (code !== undefined) return REASONS[code] ?? code;
  return typeof cause?.message === 'string' ? cause.message : String((error as Error).message);
};

const baseOf = (baseUrl: string): URL => {
  try {
    return new URL(baseUrl);
  } catch {
    throw new ServerUnreachableError(`"${baseUrl}" is not a URL: ${WHERE} (e.g. http://127.0.0.1:7400)`);
  }
};

export const createAdminClient = (baseUrl: string, apiKey: string | undefined): AdminClient => ({
  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    if (apiKey === undefined || apiKey === '') {
      throw new Error('No API key: pass --key or set CUTOFF_ADMIN_KEY.');
    }
    const base = baseOf(baseUrl);
    const shown = `${base.origin}${base.pathname.replace(/\/+$/, '')}`;
    let response: Response;
    try {
      response = await fetch(new URL(path, base), {
        method,
        headers: {
          authorization: `Bearer ${apiKey}`,
          ...(body !== undefined && { 'content-type': 'application/json' }),
        },
        ...(body !== undefined && { body: JSON.stringify(body) }),
      });
    } catch (error) {
      throw new ServerUnreachableError(
        `cannot reach the Cutoff server at ${shown} (${reasonOf(error)}) — is it running? ${WHERE}`,
      );
    }
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text === '' ? null : JSON.parse(text);
    } catch {
      throw new ServerUnreachableError(
        `the server at ${shown} answered HTTP ${response.status} with something that is not JSON — is it a Cutoff server? ${WHERE}`,
      );
    }
    if (!response.ok) throw new AdminApiError(response.status, parsed, HINTS[response.status]);
    return parsed as T;
  },
});
