/**
 * The clock-skew allowance, in seconds, for comparing a token's times with the local clock: the
 * guard's default `clockToleranceSeconds`, and what the server's introspection applies.
 */
export const DEFAULT_CLOCK_TOLERANCE_SECONDS = 5;

/**
 * A token "issued" in the future escapes every watermark (`user`, `group`, `role`, `client`, `all`
 * reject only `iat <= at`), so a holder of the rule refuses it outright. Times are NumericDates
 * (seconds); the guard and the server's introspection both call this.
 */
export const isIssuedInFuture = (iat: number, nowSeconds: number, toleranceSeconds: number): boolean =>
  iat > nowSeconds + toleranceSeconds;
