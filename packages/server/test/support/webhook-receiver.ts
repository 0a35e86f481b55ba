import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

/*
 * A Standard Webhooks consumer over a real socket, for delivery tests. Its signature check is the
 * spec's algorithm written here independently of the server's signer (the `standardwebhooks`
 * package is not installed): HMAC-SHA256 keyed with the base64 part of `whsec_...`, over
 * "<webhook-id>.<webhook-timestamp>.<body>", sent as "v1,<base64>".
 */

export interface ReceivedEvent {
  readonly id: string;
  readonly type: string;
  readonly timestamp: string;
  readonly data: Record<string, any>;
}

export type Behaviour =
  /** Reads the batch, keeps it (as a consumer that processed it) and answers this status. */
  | { readonly status: number }
  /** Reads the batch and never answers (a receiver that hangs). */
  | { readonly hang: true };

export interface WebhookReceiver {
  readonly url: string;
  /** Every event of every request, as received (retries included). */
  readonly raw: ReceivedEvent[];
  /** First sight of each id, in arrival order: what a consumer that dedupes by id keeps. */
  readonly deduped: ReceivedEvent[];
  /** Requests whose signature did not verify. */
  readonly badSignatures: number;
  readonly requests: number;
  /** Most requests ever in flight at once (a destination has one sender at a time: 1). */
  readonly maxConcurrent: number;
  /** Requests read and not yet answered. */
  readonly inFlight: number;
  /** Milliseconds to wait before answering (widens the window where two senders would overlap). */
  delayMs: number;
  behaviour: Behaviour;
  /** Resolves once `deduped` holds an event with this seq. */
  waitForSeq(seq: number, timeoutMs?: number): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export const verifyStandardWebhook = (
  secret: string,
  headers: IncomingMessage['headers'],
  body: string,
): boolean => {
  const id = headers['webhook-id'];
  const timestamp = headers['webhook-timestamp'];
  const signature = headers['webhook-signature'];
  if (typeof id !== 'string' || typeof timestamp !== 'string' || typeof signature !== 'string') return false;
  if (Math.abs(Date.now() / 1000 - Number(timestamp)) > 300) return false;
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest();
  return signature.split(' ').some((part) => {
    const [version, value] = part.split(',');
    const presented = Buffer.from(value ?? '', 'base64');
    return version === 'v1' && presented.length === expected.length && timingSafeEqual(presented, expected);
  });
};

export const createWebhookReceiver = (port: number, secret: string): WebhookReceiver => {
  let server: Server | undefined;
  const waiters: { seq: number; resolve: () => void }[] = [];
  const seen = new Set<string>();
  const receiver: WebhookReceiver = {
    url: `http://127.0.0.1:${port}/hooks/cutoff`,
    raw: [],
    deduped: [],
    badSignatures: 0,
    requests: 0,
    maxConcurrent: 0,
    inFlight: 0,
    delayMs: 0,
    behaviour: { status: 200 },
    waitForSeq(seq, timeoutMs = 10_000) {
      if (receiver.deduped.some((event) => event.data['seq'] === seq)) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`seq ${seq} did not arrive in ${timeoutMs} ms`)),
          timeoutMs,
        );
        waiters.push({
          seq,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        });
      });
    },
    start: () =>
      new Promise((resolve) => {
        server = createServer((request: IncomingMessage, response: ServerResponse) => {
          const state = receiver as { inFlight: number; maxConcurrent: number };
          state.inFlight += 1;
          state.maxConcurrent = Math.max(state.maxConcurrent, state.inFlight);
          response.on('close', () => (state.inFlight -= 1));
          const chunks: Buffer[] = [];
          request.on('data', (chunk: Buffer) => chunks.push(chunk));
          request.on('end', () => {
            const body = Buffer.concat(chunks).toString('utf8');
            (receiver as { requests: number }).requests += 1;
            if (!verifyStandardWebhook(secret, request.headers, body)) {
              (receiver as { badSignatures: number }).badSignatures += 1;
              response.writeHead(401).end();
              return;
            }
            const behaviour = receiver.behaviour;
            if ('hang' in behaviour) return;
            const events = JSON.parse(body) as ReceivedEvent[];
            receiver.raw.push(...events);
            for (const event of events) {
              if (seen.has(event.id)) continue;
              seen.add(event.id);
              receiver.deduped.push(event);
              for (const waiter of waiters.filter((w) => w.seq === event.data['seq'])) waiter.resolve();
            }
            setTimeout(() => response.writeHead(behaviour.status).end(), receiver.delayMs);
          });
        });
        server.listen(port, '127.0.0.1', () => resolve());
      }),
    stop: () =>
      new Promise((resolve) => {
        if (server === undefined) return resolve();
        server.closeAllConnections();
        server.close(() => resolve());
        server = undefined;
      }),
  };
  return receiver;
};

/** A fresh Standard Webhooks secret. */
export const webhookSecret = (): string =>
  `whsec_${Buffer.from(Array.from({ length: 32 }, (_, i) => (i * 37 + 11) % 256)).toString('base64')}`;
