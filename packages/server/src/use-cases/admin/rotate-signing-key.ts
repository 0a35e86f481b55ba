import type { SigningAlgorithm } from '../../domain/records.js';
import type { RequestContext, UseCaseContext } from '../context.js';
import { auditEvent } from '../audit/audit-event.js';

/** The new key signs from now on; the previous one stays in the JWKS so issued tokens verify. */
export const rotateSigningKey = async (
  ctx: UseCaseContext,
  input: { readonly alg?: SigningAlgorithm | undefined },
  requestContext: RequestContext,
): Promise<{ readonly kid: string; readonly alg: SigningAlgorithm }> => {
  const now = ctx.clock.now();
  const key = await ctx.signer.generateKey(input.alg ?? ctx.config.signingAlgorithm, now);
  await ctx.store.transaction(async (tx) => {
    await tx.signingKeys.demoteAll();
    await tx.signingKeys.insert(key);
    await tx.audit.append(
      auditEvent(requestContext, now, {
        action: 'key.rotated',
        target: { type: 'signing_key', id: key.kid },
        details: { alg: key.alg },
      }),
    );
  });
  await ctx.signer.reload();
  return { kid: key.kid, alg: key.alg };
};
