import { CutoffError } from '../../domain/errors.js';
import type { ApiKeyId } from '../../domain/ids.js';
import type { ApiKeyRecord } from '../../domain/records.js';
import type { RevocationReason } from '../../domain/revocation-plan.js';
import { auditEvent } from '../audit/audit-event.js';
import type { RequestContext, UseCaseContext } from '../context.js';

/**
 * Revokes an API key and audits `api_key.revoked`, in one transaction. Idempotent: revoking a key
 * that is already revoked answers the key as it is, keeps its first revocation time and writes no
 * second event. The caller then tells the authenticator (`forgetApiKeys`) so that this replica
 * refuses the key from the moment the response leaves; other replicas re-read within their bound.
 */
export const revokeApiKey = async (
  ctx: Pick<UseCaseContext, 'store' | 'clock'>,
  input: { readonly id: ApiKeyId; readonly reason: RevocationReason },
  requestContext: RequestContext,
): Promise<{ readonly record: ApiKeyRecord; readonly revokedNow: boolean }> => {
  const now = ctx.clock.now();
  const result = await ctx.store.transaction(async (tx) => {
    const revoked = await tx.apiKeys.revoke(input.id, now);
    if (revoked === undefined) return undefined;
    if (revoked.revokedNow)
      await tx.audit.append(
        auditEvent(requestContext, now, {
          action: 'api_key.revoked',
          target: { type: 'api_key', id: input.id },
          reason: input.reason,
          details: { name: revoked.key.name, scopes: revoked.key.scopes },
        }),
      );
    return revoked;
  });
  if (result === undefined) throw new CutoffError('ERR_NOT_FOUND', { message: 'No API key with that id.' });
  return { record: result.key, revokedNow: result.revokedNow };
};
