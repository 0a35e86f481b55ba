export interface TotpEnrolment {
  /** Base32 secret. */
  readonly secret: string;
  /** `otpauth://totp/...` URI for authenticator apps. */
  readonly uri: string;
}

export interface TotpVerifier {
  enrol(accountName: string): TotpEnrolment;
  /** True when `code` is valid for `secret` at `now` (one step of drift either way). */
  verify(secret: string, code: string, now: Date): boolean;
}
