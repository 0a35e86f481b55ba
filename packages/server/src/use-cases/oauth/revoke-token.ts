import type { ClientRecord } from '../../domain/records.js';
import { hashSecret } from '../../lib/secrets.js';
import type { RequestContext, UseCaseContext } from '../context.js';
import { applyRevocation, type AppliedRevocation } from '../revocation/apply-revocation.js';

/**
 * RFC 7009. A refresh token takes its whole session with it; an access token is revoked by its
 * jti. Tokens that are unknown, invalid or of another client are ignored (the RFC answers 200).
 */
export const revokeToken = async (
  ctx: UseCaseContext,
  input: { readonly token: string; readonly client: ClientRecord },
  requestContext: RequestContext,
): Promise<void> => {
  const { token, client } = input;
  let applied: AppliedRevocation | undefined;
  if (token.split('.').length === 3) {
    const claims = await ctx.signer.verify(token).catch(() => undefined);
    if (claims?.client_id !== client.id) return;
    applied = await ctx.store.transaction((tx) =>
      applyRevocation(
        ctx,
        tx,
        { target: { type: 'token', id: claims.jti }, reason: 'manual', details: { trigger: 'rfc7009' } },
        requestContext,
      ),
    );
  } else {
    const record = await ctx.store.refreshTokens.findByHash(hashSecret(token));
    if (record === undefined) return;
    const session = await ctx.store.sessions.findById(record.sessionId);
    if (session?.clientId !== client.id || session.status !== 'active') return;
    applied = await ctx.store.transaction((tx) =>
      applyRevocation(
        ctx,
        tx,
        { target: { type: 'session', id: session.id }, reason: 'manual', details: { trigger: 'rfc7009' } },
        requestContext,
      ),
    );
  }
  ctx.onRevocationCommitted(applied.entry);
};
