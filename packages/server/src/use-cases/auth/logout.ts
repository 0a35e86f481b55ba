import { toTokenSubject } from '@cutoff/guard/rule';
import { CutoffError } from '../../domain/errors.js';
import { toNumericDate } from '../../ports/clock.js';
import type { RequestContext, UseCaseContext } from '../context.js';
import { applyRevocation } from '../revocation/apply-revocation.js';

/**
 * Ends the session of the presented access token everywhere: its refresh tokens die and a
 * session entry in the feed stops its access tokens at every guard.
 */
export const logout = async (
  ctx: UseCaseContext,
  accessToken: string,
  request: RequestContext['request'],
): Promise<{ readonly sessionId: string }> => {
  const claims = await ctx.signer.verify(accessToken).catch(() => {
    throw new CutoffError('ERR_INVALID_TOKEN');
  });
  const now = toNumericDate(ctx.clock.now());
  if (ctx.revocationIndex.match(toTokenSubject(claims, ctx.config.issuer), now) !== undefined) {
    throw new CutoffError('ERR_INVALID_TOKEN');
  }
  const sid = claims.sid;
  if (sid === undefined)
    throw new CutoffError('ERR_INVALID_TOKEN', { message: 'The token belongs to no session.' });
  await ctx.store.transaction((tx) =>
    applyRevocation(
      ctx,
      tx,
      { target: { type: 'session', id: sid }, reason: 'manual', details: { trigger: 'logout' } },
      { actor: { type: 'user', id: claims.sub }, request },
    ),
  );
  return { sessionId: sid };
};
