import { CutoffError } from '../../domain/errors.js';
import type { OutboxMessage } from '../../domain/records.js';
import type { RequestContext, UseCaseContext } from '../context.js';
import { auditEvent } from '../audit/audit-event.js';

/**
 * Gives a notification that ran out of attempts (status `dead`) a new round: due now, attempts
 * from zero, under the same retry policy. For after the outage that killed it has been fixed.
 */
export const retryDeadMessage = async (
  ctx: UseCaseContext,
  id: string,
  requestContext: RequestContext,
): Promise<OutboxMessage> => {
  const now = ctx.clock.now();
  return ctx.store.transaction(async (tx) => {
    const message = await tx.outbox.findById(id);
    if (message === undefined)
      throw new CutoffError('ERR_NOT_FOUND', { message: 'No outbox message with that id.' });
    if (!(await tx.outbox.requeueDead(id, now))) {
      throw new CutoffError('ERR_CONFLICT', {
        message: `Only a dead message can be retried; this one is ${message.status}.`,
      });
    }
    await tx.audit.append(
      auditEvent(requestContext, now, {
        action: 'outbox.retried',
        target: { type: 'outbox_message', id },
        details: { kind: message.kind, attempts: message.attempts, last_error: message.lastError },
      }),
    );
    const requeued = await tx.outbox.findById(id);
    if (requeued === undefined) throw new Error('the requeued message vanished inside its transaction');
    return requeued;
  });
};
