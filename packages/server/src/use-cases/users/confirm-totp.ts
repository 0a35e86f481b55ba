import { CutoffError } from '../../domain/errors.js';
import type { UserId } from '../../domain/ids.js';
import type { UserRecord } from '../../domain/records.js';
import { openTotpSecret } from '../auth/open-totp-secret.js';
import type { RequestContext, UseCaseContext } from '../context.js';
import { auditEvent } from '../audit/audit-event.js';

/**
 * Confirms a pending TOTP enrolment with a first valid code: the pending secret becomes the one
 * every login needs, audited as `totp.enrolled`. The confirming code is used up (codes are
 * single-use, RFC 6238 section 5.2), so it cannot also log in. A wrong code leaves the enrolment
 * pending (400 `ERR_TOTP_CODE_INVALID`); without a pending enrolment the answer is 409.
 */
export const confirmTotp = async (
  ctx: UseCaseContext,
  id: UserId,
  code: string,
  requestContext: RequestContext,
): Promise<UserRecord> => {
  const now = ctx.clock.now();
  const user = await ctx.store.read((r) => r.users.findById(id));
  if (user === undefined) throw new CutoffError('ERR_NOT_FOUND', { message: 'No user with that id.' });
  const pending = user.totpPendingSecret ?? null;
  if (pending === null) throw new CutoffError('ERR_TOTP_NOT_PENDING');
  const step = ctx.totp.verify(openTotpSecret(ctx, id, pending), code, now);
  if (step === null) {
    await ctx.store.transaction((tx) =>
      tx.audit.append(
        auditEvent(requestContext, now, {
          action: 'totp.confirmation_failed',
          target: { type: 'user', id },
        }),
      ),
    );
    throw new CutoffError('ERR_TOTP_CODE_INVALID');
  }
  return ctx.store.transaction(async (tx) => {
    // Compare-and-set on the pending secret: a re-enrolment (or another confirmation) that got
    // there first wins, and this code, made for a secret no longer pending, confirms nothing.
    if (!(await tx.users.confirmTotp(id, pending, step, now))) {
      throw new CutoffError('ERR_TOTP_NOT_PENDING', {
        message: 'The TOTP enrolment changed while it was being confirmed: confirm the newest one.',
      });
    }
    await tx.audit.append(
      auditEvent(requestContext, now, { action: 'totp.enrolled', target: { type: 'user', id } }),
    );
    const confirmed = await tx.users.findById(id);
    if (confirmed === undefined) throw new CutoffError('ERR_NOT_FOUND', { message: 'No user with that id.' });
    return confirmed;
  });
};
