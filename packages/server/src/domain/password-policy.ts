import { CutoffError } from './errors.js';

/**
 * NIST SP 800-63B 5.1.1.2: a new password has at least 8 characters, each Unicode code point
 * counting as one (four emoji are eight UTF-16 code units but four characters).
 */
export const PASSWORD_MIN_CHARACTERS = 8;
/** A bound on size in UTF-16 code units, far above anything a person types. */
export const PASSWORD_MAX_LENGTH = 1024;

/** Why a new password is refused (a phrase for an error message), or undefined when it is not. */
export const passwordProblem = (password: string): string | undefined => {
  if (password.length > PASSWORD_MAX_LENGTH) return `at most ${PASSWORD_MAX_LENGTH} characters`;
  let characters = 0;
  for (const _codePoint of password) {
    if (++characters >= PASSWORD_MIN_CHARACTERS) return undefined;
  }
  return `at least ${PASSWORD_MIN_CHARACTERS} characters`;
};

/** Throws `ERR_VALIDATION` naming the rule when a new password is refused. */
export const requireAcceptablePassword = (password: string | undefined): void => {
  const problem = password === undefined ? undefined : passwordProblem(password);
  if (problem !== undefined)
    throw new CutoffError('ERR_VALIDATION', { message: `The password must have ${problem}.` });
};
