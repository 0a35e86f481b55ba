import { Redis } from 'ioredis';
import type { FeedNotifier } from '../../ports/feed-notifier.js';

export interface RedisFeedNotifierOptions {
  readonly url: string;
  readonly keyPrefix: string;
  readonly onError: (error: unknown) => void;
}

/** Stream length kept in Redis: notifications are hints, the store keeps the entries. */
const MAX_STREAM_LENGTH = 10_000;
const BLOCK_MS = 5_000;

/**
 * Fan-out between replicas over a Redis Stream: each commit XADDs the new head; every replica
 * blocks on XREAD and catches up from the store when the head moves. If Redis is down, the
 * hub's store polling still delivers (slower), and revocations themselves never depend on Redis.
 */
export const createRedisStreamFeedNotifier = (options: RedisFeedNotifierOptions): FeedNotifier => {
  const streamKey = `${options.keyPrefix}:revocation-feed`;
  const writer = new Redis(options.url, {
    lazyConnect: false,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
  });
  const reader = new Redis(options.url, { lazyConnect: false, maxRetriesPerRequest: null });
  writer.on('error', options.onError);
  reader.on('error', options.onError);
  const listeners: ((head: number) => void)[] = [];
  let closed = false;

  const readLoop = async (): Promise<void> => {
    let lastId = '$';
    while (!closed) {
      try {
        const result = await reader.xread('BLOCK', BLOCK_MS, 'STREAMS', streamKey, lastId);
        for (const [, messages] of result ?? []) {
          for (const [id, fields] of messages) {
            lastId = id;
            const head = Number(fields[1]);
            if (Number.isSafeInteger(head)) for (const listener of listeners) listener(head);
          }
        }
      } catch (error) {
        if (closed) return;
        options.onError(error);
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
  };

  return {
    publish: async (head) => {
      await writer.xadd(streamKey, 'MAXLEN', '~', String(MAX_STREAM_LENGTH), '*', 'head', String(head));
    },
    subscribe: (listener) => {
      listeners.push(listener);
      if (listeners.length === 1) readLoop().catch(options.onError);
    },
    close: async () => {
      closed = true;
      reader.disconnect();
      await writer.quit().catch(() => undefined);
    },
  };
};
