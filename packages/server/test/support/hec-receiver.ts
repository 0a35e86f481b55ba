import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

/*
 * A Splunk HTTP Event Collector receiver over a real socket. Splunk itself cannot run on this
 * machine, so this implements HEC's documented wire protocol ("Format events for HTTP Event
 * Collector", "Troubleshoot HTTP Event Collector"): POST /services/collector/event, the
 * `Authorization: Splunk <token>` check (401 code 2 without it, 403 code 4 for a wrong one),
 * `Content-Encoding: gzip`, a body of concatenated JSON event objects, each needing `event`
 * (400 code 12, `invalid-event-number`), `index` among the token's allowed indexes (400 code 7),
 * a body that does not parse (400 code 6), and the ack `{"text":"Success","code":0}`.
 */

export interface HecEvent {
  readonly time?: number;
  readonly host?: string;
  readonly source?: string;
  readonly sourcetype?: string;
  readonly index?: string;
  readonly event: Record<string, unknown>;
}

export interface HecRequestLog {
  readonly authorization: string | undefined;
  readonly encoding: string | undefined;
  readonly events: readonly HecEvent[];
}

/** What the receiver does with the next requests, instead of indexing them. */
export type HecMode = 'index' | 'busy' | 'throttle' | 'silent';

/** Splits concatenated JSON objects (whitespace between them allowed), as HEC reads a batch. */
export const splitConcatenatedJson = (text: string): unknown[] => {
  const values: unknown[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let index = 0; index < text.length; index += 1) {
    const char = text[index]!;
    if (inString) {
      if (char === '\\') index += 1;
      else if (char === '"') inString = false;
      continue;
    }
    if (char === '"') inString = true;
    else if (char === '{') {
      if (depth === 0) start = index;
      depth += 1;
    } else if (char === '}') {
      depth -= 1;
      if (depth === 0) values.push(JSON.parse(text.slice(start, index + 1)));
      if (depth < 0) throw new SyntaxError('unbalanced }');
    } else if (depth === 0 && !/\s/.test(char)) throw new SyntaxError(`unexpected ${char} between events`);
  }
  if (depth !== 0 || inString) throw new SyntaxError('truncated event');
  return values;
};

export class HecReceiver {
  readonly events: HecEvent[] = [];
  readonly requests: HecRequestLog[] = [];
  mode: HecMode = 'index';
  readonly #token: string;
  readonly #indexes: ReadonlySet<string>;
  readonly #server;

  private constructor(token: string, indexes: readonly string[], tls?: { cert: string; key: string }) {
    this.#token = token;
    this.#indexes = new Set(indexes);
    const handler = (request: IncomingMessage, response: ServerResponse) =>
      void this.#handle(request, response);
    this.#server = tls === undefined ? createHttpServer(handler) : createHttpsServer(tls, handler);
  }

  static async start(options: {
    token: string;
    indexes?: readonly string[];
    tls?: { cert: string; key: string };
  }): Promise<HecReceiver> {
    const receiver = new HecReceiver(options.token, options.indexes ?? ['main'], options.tls);
    await new Promise<void>((resolve) => receiver.#server.listen(0, '127.0.0.1', resolve));
    return receiver;
  }

  get baseUrl(): string {
    const { port } = this.#server.address() as AddressInfo;
    return `${'cert' in this.#server ? 'https' : 'http'}://127.0.0.1:${port}`;
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const answer = (status: number, body: Record<string, unknown>) => {
      response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    if (this.mode === 'silent') return; // Never answers: the sender's timeout must fire.
    if (request.method !== 'POST' || request.url !== '/services/collector/event')
      return answer(404, { text: 'The requested URL was not found on this server.', code: 404 });
    const authorization = request.headers.authorization;
    if (authorization === undefined) return answer(401, { text: 'Token is required', code: 2 });
    if (!authorization.startsWith('Splunk ')) return answer(401, { text: 'Invalid authorization', code: 3 });
    if (authorization.slice('Splunk '.length) !== this.#token)
      return answer(403, { text: 'Invalid token', code: 4 });
    if (this.mode === 'busy') return answer(503, { text: 'Server is busy', code: 9 });
    if (this.mode === 'throttle') return answer(429, { text: 'Too Many Requests', code: 9 });
    let raw = Buffer.concat(chunks);
    const encoding = request.headers['content-encoding'];
    if (encoding === 'gzip') raw = gunzipSync(raw);
    let parsed: unknown[];
    try {
      parsed = splitConcatenatedJson(raw.toString('utf8'));
    } catch {
      return answer(400, { text: 'Invalid data format', code: 6 });
    }
    if (parsed.length === 0) return answer(400, { text: 'No data', code: 5 });
    const accepted: HecEvent[] = [];
    for (const [index, value] of parsed.entries()) {
      const event = value as Partial<HecEvent>;
      if (event.event === undefined)
        return answer(400, { text: 'Event field is required', code: 12, 'invalid-event-number': index });
      if (event.index !== undefined && !this.#indexes.has(event.index))
        return answer(400, { text: 'Incorrect index', code: 7, 'invalid-event-number': index });
      accepted.push(event as HecEvent);
    }
    this.events.push(...accepted);
    this.requests.push({ authorization, encoding, events: accepted });
    answer(200, { text: 'Success', code: 0 });
  }
}
