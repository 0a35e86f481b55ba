import type { NotificationSender } from '../../ports/notification-sender.js';
import { redactedError } from './redact.js';

export interface HttpSmsSenderOptions {
  /** Receives `POST {"to": "+4912345", "text": "…"}`; user info in the URL becomes Basic auth. */
  readonly url: string;
  readonly timeoutMs?: number;
  readonly fetch?: typeof fetch;
}

/**
 * SMS through an HTTP gateway (your SMS provider, or a small relay in front of it). Any 2xx is a
 * delivery; anything else is a failure the outbox retries. Errors never carry the URL.
 */
export const createHttpSmsSender = (options: HttpSmsSenderOptions): NotificationSender => {
  const url = new URL(options.url);
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (url.username !== '' || url.password !== '') {
    const credentials = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
    headers['authorization'] = `Basic ${Buffer.from(credentials).toString('base64')}`;
    url.username = '';
    url.password = '';
  }
  const send = options.fetch ?? fetch;
  return {
    async send(payload) {
      const { to, text } = payload;
      if (typeof to !== 'string' || typeof text !== 'string')
        throw new Error('the SMS message has no to or text');
      let response: Response;
      try {
        response = await send(url, {
          method: 'POST',
          headers,
          body: JSON.stringify({ to, text }),
          signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
          redirect: 'error',
        });
      } catch (error) {
        const cause = (error as { cause?: { code?: unknown } }).cause?.code;
        throw redactedError(
          typeof cause === 'string' ? new Error(cause) : error,
          options.url,
          'SMS endpoint unreachable',
        );
      }
      await response.arrayBuffer().catch(() => undefined);
      if (!response.ok) throw new Error(`SMS endpoint answered HTTP ${response.status}`);
    },
  };
};
