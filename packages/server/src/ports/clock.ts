/** The only source of time for use-cases; tests inject a frozen or stepping clock. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** NumericDate (whole seconds) of a Date, rounded down as JWT `iat` is. */
export const toNumericDate = (date: Date): number => Math.floor(date.getTime() / 1000);
