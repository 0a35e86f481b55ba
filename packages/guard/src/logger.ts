/** Structured logger the guard writes to; pino, winston and console all fit this shape. */
export interface GuardLogger {
  debug(message: string, fields?: Readonly<Record<string, unknown>>): void;
  info(message: string, fields?: Readonly<Record<string, unknown>>): void;
  warn(message: string, fields?: Readonly<Record<string, unknown>>): void;
  error(message: string, fields?: Readonly<Record<string, unknown>>): void;
}

const noop = (): void => {};

/**
 * Default: quiet on debug/info, but warnings and errors reach stderr, because a guard that went
 * blind or fails open must never do so silently.
 */
export const defaultLogger: GuardLogger = Object.freeze({
  debug: noop,
  info: noop,
  warn(message: string, fields?: Readonly<Record<string, unknown>>) {
    // eslint-disable-next-line no-console
    console.warn(message, fields ?? '');
  },
  error(message: string, fields?: Readonly<Record<string, unknown>>) {
    // eslint-disable-next-line no-console
    console.error(message, fields ?? '');
  },
});

/** Returns a function that reports whether an event may be logged now (at most once per interval). */
export const rateLimiter = (intervalMs: number, monotonicNow: () => number): (() => boolean) => {
  let last = Number.NEGATIVE_INFINITY;
  return () => {
    const now = monotonicNow();
    if (now - last < intervalMs) return false;
    last = now;
    return true;
  };
};
