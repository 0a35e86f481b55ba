import { createHmac } from 'node:crypto';
import type { DestinationSender, OutboundEvent } from '../../ports/destination-sender.js';
import type { DestinationType } from '../../ports/destination-types.js';
import { ConfigFields } from './config-fields.js';

/** A Standard Webhooks signing secret: `whsec_` and base64 of 24 to 64 random bytes. */
const SECRET_PATTERN = /^whsec_([A-Za-z0-9+/]+={0,2})$/;

const secretKey = (secret: string): Buffer => {
  const match = SECRET_PATTERN.exec(secret);
  return Buffer.from(match?.[1] ?? '', 'base64');
};

/**
 * `webhook-signature: v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">`, keyed with the
 * decoded secret (the Standard Webhooks spec), so existing relays and their libraries verify it.
 */
export const standardWebhookSignature = (
  secret: string,
  id: string,
  timestampSeconds: number,
  body: string,
): string =>
  `v1,${createHmac('sha256', secretKey(secret)).update(`${id}.${timestampSeconds}.${body}`).digest('base64')}`;

/** One element of the POSTed JSON array: the Standard Webhooks payload shape, per event. */
export const httpEnvelope = (event: OutboundEvent) => ({
  id: event.id,
  type: 'audit_event',
  timestamp: event.event.ts,
  data: event.payload,
});

export interface HttpDestinationConfig {
  readonly url: string;
  readonly timeoutMs: number;
  readonly batchSize: number;
}

/** Why a URL cannot be a destination, or undefined when it can. */
const urlProblem = (raw: string): string | undefined => {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'url must be an absolute http:// or https:// URL.';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return 'url must be an absolute http:// or https:// URL.';
  if (url.username !== '' || url.password !== '')
    return 'url must not carry credentials: events are signed with the secret instead.';
  return undefined;
};

const readConfig = (config: Readonly<Record<string, unknown>>): HttpDestinationConfig => ({
  url: String(config['url']),
  timeoutMs: Number(config['timeout_ms']),
  batchSize: Number(config['batch_size']),
});

class HttpSender implements DestinationSender {
  readonly #config: HttpDestinationConfig;
  readonly #secret: string;
  readonly #nowSeconds: () => number;

  constructor(config: HttpDestinationConfig, secret: string, nowSeconds: () => number) {
    this.#config = config;
    this.#secret = secret;
    this.#nowSeconds = nowSeconds;
  }

  async send(batch: readonly OutboundEvent[]): Promise<void> {
    const first = batch[0];
    const last = batch.at(-1);
    if (first === undefined || last === undefined) return;
    const body = JSON.stringify(batch.map(httpEnvelope));
    // The same events make the same id, so a relay that dedupes whole messages sees a retried
    // batch once; each element keeps its own event id for consumers that dedupe per event.
    const id = first.seq === last.seq ? first.id : `${first.id}-${last.seq}`;
    const timestamp = this.#nowSeconds();
    let response: Response;
    try {
      response = await fetch(this.#config.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'webhook-id': id,
          'webhook-timestamp': String(timestamp),
          'webhook-signature': standardWebhookSignature(this.#secret, id, timestamp, body),
        },
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.#config.timeoutMs),
      });
    } catch (error) {
      // The cause names the failure (refused, reset, timeout), never the headers.
      const cause =
        error instanceof Error
          ? error.cause instanceof Error
            ? error.cause.message
            : error.message
          : 'unknown';
      throw new Error(`POST ${new URL(this.#config.url).origin} failed: ${cause}`);
    }
    // Drain the body so the connection goes back to the pool.
    await response.arrayBuffer().catch(() => undefined);
    if (response.status < 200 || response.status > 299)
      throw new Error(`POST ${new URL(this.#config.url).origin} answered ${response.status}`);
  }

  async close(): Promise<void> {
    // fetch keeps no per-sender state.
  }
}

/**
 * `http`: JSON arrays of events POSTed to `url`, signed per Standard Webhooks with `secret`; any
 * 2xx acknowledges the whole batch, anything else (or no answer within `timeout_ms`) fails it.
 */
export const httpDestinationType = (
  nowSeconds: () => number = () => Math.floor(Date.now() / 1000),
): DestinationType => ({
  secretFields: ['secret'],
  batchSize: (config) => readConfig(config).batchSize,
  parseConfig(input) {
    const fields = new ConfigFields(input);
    const url = fields.string('url', { required: true });
    const secret = fields.string('secret', { required: true, maxLength: 200 });
    const timeoutMs = fields.integer('timeout_ms', { min: 100, max: 60_000, default: 10_000 });
    const batchSize = fields.integer('batch_size', { min: 1, max: 1000, default: 100 });
    fields.rejectUnknown();
    const problem = url === undefined ? undefined : urlProblem(url);
    if (problem !== undefined) fields.errors.push(problem);
    if (secret !== undefined) {
      const length = secretKey(secret).length;
      if (!SECRET_PATTERN.test(secret) || length < 24 || length > 64)
        fields.errors.push('secret must be "whsec_" followed by base64 of 24 to 64 random bytes.');
    }
    if (fields.errors.length > 0 || url === undefined || secret === undefined)
      return { ok: false, errors: fields.errors };
    return {
      ok: true,
      value: { config: { url, timeout_ms: timeoutMs, batch_size: batchSize }, secrets: { secret } },
    };
  },
  createSender(stored) {
    return new HttpSender(readConfig(stored.config), stored.secrets['secret'] ?? '', nowSeconds);
  },
});
