export interface TotpEnrolment {
  /** Base32 secret. */
  readonly secret: string;
  /** `otpauth://totp/...` URI for authenticator apps. */
  readonly uri: string;
}

export interface TotpVerifier {
  enrol(accountName: string): TotpEnrolment;
  /**
   * The time step (RFC 6238 counter) that `code` is valid for, given `secret` at `now` (one step
   * of drift either way), or null when it is not valid. The caller must refuse a step already
   * used (RFC 6238 section 5.2): see `UserRepository.claimTotpStep`.
   */
  verify(secret: string, code: string, now: Date): number | null;
}
