import { CutoffError } from '../../domain/errors.js';
import type { UserId } from '../../domain/ids.js';
import { totpSealContext } from '../../domain/seal-contexts.js';
import { SealedSecretError } from '../../ports/secret-sealer.js';
import type { UseCaseContext } from '../context.js';

/**
 * A TOTP secret (active or pending) sealed with an encryption key the server no longer has (the
 * key was replaced without `cutoff secrets reseal`) is the operator's to fix, not the user's: a
 * 503 that names the cause in the log, and no failed login counted against the user.
 */
export const openTotpSecret = (ctx: UseCaseContext, userId: UserId, sealed: string): string => {
  try {
    return ctx.sealer.open(sealed, totpSealContext(userId));
  } catch (error) {
    if (!(error instanceof SealedSecretError)) throw error;
    throw new CutoffError('ERR_SECRET_UNAVAILABLE', {
      detail: `TOTP secret of user ${userId}: ${error.message}; configure the key it was sealed with (CUTOFF_ENCRYPTION_PREVIOUS_KEYS) or re-enrol the user`,
      cause: error,
    });
  }
};
