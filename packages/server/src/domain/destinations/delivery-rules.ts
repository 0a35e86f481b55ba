/** `<destination>:<seq>`: stable across retries, replays and replicas, so receivers dedupe by it. */
export const outboundEventId = (destination: string, seq: number): string => `${destination}:${seq}`;

export const DEFAULT_MAX_ATTEMPTS = 12;
export const RETRY_BASE_MS = 1000;
export const RETRY_MAX_MS = 300_000;

/**
 * Capped exponential backoff with jitter: 1 s, 2 s, 4 s ... up to 5 min, each wait drawn from its
 * upper half so replicas and destinations that failed together do not retry together. Twelve
 * attempts span about 20 minutes of outage before an event is dead-lettered.
 */
export const retryDelayMs = (attempts: number, random: () => number = Math.random): number => {
  const ceiling = Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** Math.max(0, attempts - 1));
  return Math.round(ceiling * (0.5 + 0.5 * random()));
};

/** Destination names: no `:` (event ids are `<name>:<seq>`) and no `/` (they are path segments). */
export const DESTINATION_NAME_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$';

/** The lease that makes one replica at a time the sender of a destination. */
export const destinationLease = (name: string): string => `destination:${name}`;
