import http from 'node:http';
import https from 'node:https';
import { hostname as machineHostname } from 'node:os';
import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import { DeliveryError } from '../../domain/destinations/delivery-error.js';
import type { SplunkHecConfig } from '../../domain/destinations/splunk-hec-config.js';
import type { DestinationSender, OutboundEvent } from '../../ports/destination-sender.js';
import { isCertificateError } from './tls-errors.js';

const gzip = promisify(gzipCallback);

/*
 * Splunk HTTP Event Collector (docs.splunk.com, "Format events for HTTP Event Collector" and
 * "Troubleshoot HTTP Event Collector"): one POST per batch to /services/collector/event with
 * `Authorization: Splunk <token>`; the body is the batch's event objects concatenated (one per
 * line), each `{"time", "host", "source", "sourcetype", "index"?, "event"}`. HEC answers
 * `{"text":"Success","code":0}` with 200 once it has accepted the whole request; anything else
 * means none of it is to be counted as delivered (HEC may have indexed the events before a bad
 * one, which is why deliveries are at least once and each event carries its stable id).
 */

/** HEC status codes (the `code` of its JSON answer) that retrying the same request cannot fix. */
const PERMANENT_HEC_CODES: Readonly<Record<number, string>> = {
  1: 'Token disabled',
  2: 'Token is required',
  3: 'Invalid authorization',
  4: 'Invalid token',
  5: 'No data',
  6: 'Invalid data format',
  7: 'Incorrect index',
  10: 'Data channel is missing',
  11: 'Invalid data channel',
  12: 'Event field is required',
  13: 'Event field cannot be blank',
  14: 'ACK is disabled',
  15: 'Error in handling indexed fields',
  16: 'Query string authorization is not enabled',
};
/** Internal error, busy, and the "unhealthy" codes (queues full, ack service unavailable). */
const RETRYABLE_HEC_CODES: Readonly<Record<number, string>> = {
  8: 'Internal server error',
  9: 'Server is busy',
  18: 'HEC is unhealthy, queues are full',
  19: 'HEC is unhealthy, ack service unavailable',
  20: 'HEC is unhealthy, queues are full, ack service unavailable',
};
/** Bodies beyond this are cut when read: an answer is a line of JSON. */
const MAX_ANSWER_BYTES = 64 * 1024;

interface HecAnswer {
  readonly status: number;
  readonly code: number | null;
  readonly text: string | null;
  readonly invalidEventNumber: number | null;
}

const parseAnswer = (status: number, body: string): HecAnswer => {
  try {
    const json = JSON.parse(body) as Record<string, unknown>;
    return {
      status,
      code: typeof json.code === 'number' ? json.code : null,
      text: typeof json.text === 'string' ? json.text.slice(0, 200) : null,
      invalidEventNumber:
        typeof json['invalid-event-number'] === 'number' ? json['invalid-event-number'] : null,
    };
  } catch {
    return { status, code: null, text: null, invalidEventNumber: null };
  }
};

/** HTTP status first (HEC's own), then HEC's code refines it. */
const classify = (answer: HecAnswer): boolean => {
  if (answer.code !== null && answer.code in PERMANENT_HEC_CODES) return false;
  if (answer.code !== null && answer.code in RETRYABLE_HEC_CODES) return true;
  const { status } = answer;
  return status === 408 || status === 429 || status >= 500 || status < 400;
};

export interface SplunkHecSenderOptions {
  /** The `host` field when the configuration has none. */
  readonly defaultHost?: string;
}

export class SplunkHecSender implements DestinationSender {
  readonly #config: SplunkHecConfig;
  readonly #url: URL;
  readonly #agent: http.Agent;
  readonly #host: string;

  constructor(config: SplunkHecConfig, options: SplunkHecSenderOptions = {}) {
    this.#config = config;
    this.#url = new URL(config.url);
    // One keep-alive socket: the engine sends one batch at a time per destination, and a
    // reused TLS session saves the handshake on every batch.
    const agentOptions = { keepAlive: true, maxSockets: 1 };
    this.#agent =
      this.#url.protocol === 'https:'
        ? new https.Agent({
            ...agentOptions,
            minVersion: 'TLSv1.2',
            ...(config.ca !== null && { ca: config.ca }),
          })
        : new http.Agent(agentOptions);
    this.#host = config.host ?? options.defaultHost ?? machineHostname();
  }

  /** The request body: the batch's HEC event objects, one JSON object per line. */
  body(batch: readonly OutboundEvent[]): string {
    return batch
      .map((item) =>
        JSON.stringify({
          // Epoch seconds with milliseconds, HEC's `time` format.
          time: Date.parse(item.event.ts) / 1000,
          host: this.#host,
          source: this.#config.source,
          sourcetype: this.#config.sourcetype,
          ...(this.#config.index !== null && { index: this.#config.index }),
          event: item.payload,
        }),
      )
      .join('\n');
  }

  async send(batch: readonly OutboundEvent[]): Promise<void> {
    if (batch.length === 0) return;
    const text = Buffer.from(this.body(batch), 'utf8');
    const payload = this.#config.gzip ? await gzip(text) : text;
    const answer = await this.#post(payload);
    if (answer.status === 200 && answer.code === 0) return;
    throw this.#failure(answer, batch);
  }

  #failure(answer: HecAnswer, batch: readonly OutboundEvent[]): DeliveryError {
    const known =
      answer.code === null ? null : (PERMANENT_HEC_CODES[answer.code] ?? RETRYABLE_HEC_CODES[answer.code]);
    const what = answer.code === null ? '' : ` code ${answer.code} (${known ?? answer.text ?? 'unknown'})`;
    const bad =
      answer.invalidEventNumber !== null && batch[answer.invalidEventNumber] !== undefined
        ? `; the rejected event is seq ${batch[answer.invalidEventNumber]!.seq}`
        : '';
    const unexpected = answer.status === 200 ? ' without the Success acknowledgement' : '';
    return new DeliveryError(`Splunk HEC answered HTTP ${answer.status}${what}${unexpected}${bad}`, {
      retryable: answer.status === 200 || classify(answer),
    });
  }

  #post(payload: Buffer): Promise<HecAnswer> {
    const client = this.#url.protocol === 'https:' ? https : http;
    return new Promise((resolveAnswer, reject) => {
      const resolve = (answer: HecAnswer) => {
        clearTimeout(deadline);
        resolveAnswer(answer);
      };
      const fail = (error: Error) => {
        clearTimeout(deadline);
        // The network error names the host and port, never a header: the token stays out.
        // A certificate that does not verify stays that way until `ca` or the certificate changes.
        const retryable = !isCertificateError(error);
        reject(new DeliveryError(`Splunk HEC unreachable: ${error.message}`, { retryable, cause: error }));
      };
      const request = client.request(
        this.#url,
        {
          method: 'POST',
          agent: this.#agent,
          timeout: this.#config.timeoutMs,
          headers: {
            authorization: `Splunk ${this.#config.token}`,
            'content-type': 'application/json',
            'content-length': payload.length,
            ...(this.#config.gzip && { 'content-encoding': 'gzip' }),
          },
        },
        (response) => {
          const chunks: Buffer[] = [];
          let size = 0;
          response.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size <= MAX_ANSWER_BYTES) chunks.push(chunk);
          });
          response.on('end', () =>
            resolve(parseAnswer(response.statusCode ?? 0, Buffer.concat(chunks).toString('utf8'))),
          );
          response.on('error', fail);
        },
      );
      // `timeout` is idle time on the socket; a deadline for the whole exchange as well, so a
      // receiver that trickles bytes cannot hold the destination's lease forever.
      const deadline = setTimeout(
        () => request.destroy(new Error(`no answer within ${this.#config.timeoutMs} ms`)),
        this.#config.timeoutMs,
      );
      request.on('timeout', () =>
        request.destroy(new Error(`no answer within ${this.#config.timeoutMs} ms`)),
      );
      request.on('error', fail);
      request.end(payload);
    });
  }

  close(): Promise<void> {
    this.#agent.destroy();
    return Promise.resolve();
  }
}
