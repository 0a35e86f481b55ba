/**
 * Why a sender could not deliver a batch, and whether trying the same batch again can help.
 *
 * - `retryable: true`: the receiver was down, slow, busy or failed inside (a refused connection,
 *   a timeout, HTTP 429/5xx, Splunk HEC codes 8 and 9): the engine backs off and sends again.
 * - `retryable: false`: the receiver understood and refused, and will refuse the same request
 *   until someone changes the destination or the receiver (a wrong or disabled token, an index
 *   the token may not write, a body it cannot parse): the engine should stop hammering it, show
 *   the error on the destination's status, and alert, rather than burn the retry budget.
 *
 * The message names the cause for an operator and never carries a secret.
 */
export class DeliveryError extends Error {
  override readonly name = 'DeliveryError';
  readonly retryable: boolean;

  constructor(
    message: string,
    { retryable, cause }: { readonly retryable: boolean; readonly cause?: unknown },
  ) {
    super(message, cause === undefined ? undefined : { cause });
    this.retryable = retryable;
  }
}

/** Anything but a `DeliveryError` that says otherwise is worth retrying (a bug, a network blip). */
export const isRetryable = (error: unknown): boolean => !(error instanceof DeliveryError) || error.retryable;
