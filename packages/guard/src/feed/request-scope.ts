/** Lets a timer not keep the process alive (Node); a no-op on runtimes without `unref`. */
export const unrefTimer = (timer: unknown): void => {
  (timer as { unref?: () => void } | undefined)?.unref?.();
};

/**
 * Tracks the guard's outgoing requests so `close()` can abort every one of them, and gives each
 * a timeout. One AbortController per request: `AbortSignal.any` over a long-lived signal leaks
 * listeners on Node 20.
 */
export class RequestScope {
  readonly #controllers = new Set<AbortController>();
  #closed = false;

  get closed(): boolean {
    return this.#closed;
  }

  /** Runs `task` with a signal aborted after `timeoutMs` (if given) or on `abortAll()`. */
  async run<T>(timeoutMs: number | undefined, task: (signal: AbortSignal) => Promise<T>): Promise<T> {
    if (this.#closed) throw new Error('guard closed');
    const controller = new AbortController();
    this.#controllers.add(controller);
    const timer =
      timeoutMs === undefined
        ? undefined
        : setTimeout(() => controller.abort(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
    unrefTimer(timer);
    try {
      return await task(controller.signal);
    } finally {
      clearTimeout(timer);
      this.#controllers.delete(controller);
    }
  }

  /** A controller the caller aborts itself (the stream), still aborted by `abortAll()`. */
  open(): {
    readonly signal: AbortSignal;
    readonly abort: (reason?: unknown) => void;
    readonly done: () => void;
  } {
    const controller = new AbortController();
    if (this.#closed) controller.abort(new Error('guard closed'));
    else this.#controllers.add(controller);
    return {
      signal: controller.signal,
      abort: (reason) => controller.abort(reason),
      done: () => this.#controllers.delete(controller),
    };
  }

  abortAll(): void {
    this.#closed = true;
    for (const controller of this.#controllers) controller.abort(new Error('guard closed'));
    this.#controllers.clear();
  }
}

/** Resolves after `ms`, or at once when `scope` closes (checked by the caller afterwards). */
export const sleep = (ms: number, scope: RequestScope): Promise<void> =>
  scope.closed
    ? Promise.resolve()
    : scope.run(undefined, (signal) => {
        return new Promise<void>((resolve) => {
          const timer = setTimeout(done, ms);
          unrefTimer(timer);
          function done(): void {
            clearTimeout(timer);
            signal.removeEventListener('abort', done);
            resolve();
          }
          signal.addEventListener('abort', done, { once: true });
        });
      });
