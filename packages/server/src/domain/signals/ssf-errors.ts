/**
 * RFC 8935 section 2.3 error codes: the `err` of the JSON body a push receiver answers a SET it
 * refuses with (400), or a transmitter it cannot authenticate (401).
 */
export const SSF_ERROR_CODES = [
  'invalid_request',
  'invalid_key',
  'invalid_issuer',
  'invalid_audience',
  'authentication_failed',
  'access_denied',
] as const;
export type SsfErrorCode = (typeof SSF_ERROR_CODES)[number];

export interface SetProblem {
  readonly err: SsfErrorCode;
  readonly description: string;
}
