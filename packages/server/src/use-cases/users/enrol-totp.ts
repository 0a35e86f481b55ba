import { CutoffError } from '../../domain/errors.js';
import type { UserId } from '../../domain/ids.js';
import { totpSealContext } from '../../domain/seal-contexts.js';
import type { TotpEnrolment } from '../../ports/totp-verifier.js';
import type { RequestContext, UseCaseContext } from '../context.js';
import { auditEvent } from '../audit/audit-event.js';

/**
 * Starts a TOTP enrolment (or a re-enrolment); the secret is returned once and never shown again.
 * The secret stays pending, and login unchanged (no code asked, or the current secret's code),
 * until `confirmTotp` sees a first valid code: MFA becomes mandatory only once the user has shown
 * they can produce codes. Enrolling again while pending replaces the pending secret.
 */
export const enrolTotp = async (
  ctx: UseCaseContext,
  id: UserId,
  requestContext: RequestContext,
): Promise<TotpEnrolment> => {
  const now = ctx.clock.now();
  return ctx.store.transaction(async (tx) => {
    const user = await tx.users.findById(id);
    if (user === undefined) throw new CutoffError('ERR_NOT_FOUND', { message: 'No user with that id.' });
    const enrolment = ctx.totp.enrol(user.username);
    await tx.users.update(id, {
      // Sealed for the row, not the slot: confirmation moves it to `totp_secret` unchanged.
      totpPendingSecret: ctx.sealer.seal(enrolment.secret, totpSealContext(id)),
      updatedAt: now,
    });
    await tx.audit.append(
      auditEvent(requestContext, now, {
        action: 'totp.enrolment_started',
        target: { type: 'user', id },
        details: { replaced_pending: (user.totpPendingSecret ?? null) !== null },
      }),
    );
    return enrolment;
  });
};
