import { CutoffError } from '../../domain/errors.js';
import type { UserId } from '../../domain/ids.js';
import { totpSealContext } from '../../domain/seal-contexts.js';
import type { TotpEnrolment } from '../../ports/totp-verifier.js';
import type { RequestContext, UseCaseContext } from '../context.js';
import { auditEvent } from '../audit/audit-event.js';

/** Enrols (or re-enrols) TOTP; the secret is returned once and never shown again. */
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
      totpSecret: ctx.sealer.seal(enrolment.secret, totpSealContext(id)),
      updatedAt: now,
    });
    await tx.audit.append(
      auditEvent(requestContext, now, {
        action: 'totp.enrolled',
        target: { type: 'user', id },
        details: null,
      }),
    );
    return enrolment;
  });
};
