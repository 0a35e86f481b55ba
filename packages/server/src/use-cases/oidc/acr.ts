/**
 * Authentication context classes (OpenID Connect Core 1.0 sections 2 and 3.1.2.1): what the
 * SSO session proved. `pwd`: the password only; `mfa`: the password and a TOTP code.
 */
export const ACR_PASSWORD = 'urn:cutoff:acr:pwd';
export const ACR_MFA = 'urn:cutoff:acr:mfa';
export const ACR_VALUES_SUPPORTED = [ACR_PASSWORD, ACR_MFA] as const;

/** The class a session's `amr` reaches. */
export const acrOf = (amr: readonly string[]): string => (amr.includes('otp') ? ACR_MFA : ACR_PASSWORD);

/**
 * Whether `acr_values` can only be met by the second factor: it names `mfa` and not `pwd` (a
 * list is a preference order of acceptable classes; one that includes `pwd` accepts any login).
 * Unknown values are ignored, as Core 3.1.2.1 makes `acr_values` voluntary.
 */
export const acrValuesRequireMfa = (acrValues: string | undefined): boolean => {
  const values = (acrValues ?? '').split(' ').filter(Boolean);
  return values.includes(ACR_MFA) && !values.includes(ACR_PASSWORD);
};
