/** A small client for the admin HTTP API, used by the CLI. Never prints or logs the key. */
export class AdminApiError extends Error {
  override readonly name = 'AdminApiError';
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    const message =
      typeof body === 'object' && body !== null && 'message' in body
        ? String(body.message)
        : `HTTP ${status}`;
    super(message);
  }
}

export interface AdminClient {
  request<T>(method: string, path: string, body?: unknown): Promise<T>;
}

export const createAdminClient = (baseUrl: string, apiKey: string | undefined): AdminClient => ({
  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    if (apiKey === undefined || apiKey === '') {
      throw new Error('No API key: pass --key or set CUTOFF_ADMIN_KEY.');
    }
    const response = await fetch(new URL(path, baseUrl), {
      method,
      headers: {
        authorization: `Bearer ${apiKey}`,
        ...(body !== undefined && { 'content-type': 'application/json' }),
      },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    const parsed: unknown = text === '' ? null : JSON.parse(text);
    if (!response.ok) throw new AdminApiError(response.status, parsed);
    return parsed as T;
  },
});
