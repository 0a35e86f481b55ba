import type { ClientRecord } from '../../domain/records.js';
import type { RevocationTarget } from '../../domain/revocation-plan.js';
import { hashSecret } from '../../lib/secrets.js';
import type { RequestContext, UseCaseContext } from '../context.js';
import { applyRevocation } from '../revocation/apply-revocation.js';

/** What a presented token revokes, or undefined when it is not a live token of this client. */
const targetOf = async (
  ctx: UseCaseContext,
  token: string,
  client: ClientRecord,
): Promise<RevocationTarget | undefined> => {
  if (token.split('.').length === 3) {
    const claims = await ctx.signer.verify(token).catch(() => undefined);
    return claims?.client_id === client.id ? { type: 'token', id: claims.jti } : undefined;
  }
  const record = await ctx.store.refreshTokens.findByHash(hashSecret(token));
  if (record === undefined) return undefined;
  const session = await ctx.store.sessions.findById(record.sessionId);
  return session?.clientId === client.id && session.status === 'active'
    ? { type: 'session', id: session.id }
    : undefined;
};

/**
 * RFC 7009. A refresh token takes its whole session with it; an access token is revoked by its
 * jti. Tokens that are unknown, invalid or of another client are ignored (the RFC answers 200).
 */
export const revokeToken = async (
  ctx: UseCaseContext,
  input: { readonly token: string; readonly client: ClientRecord },
  requestContext: RequestContext,
): Promise<void> => {
  const target = await targetOf(ctx, input.token, input.client);
  if (target === undefined) return;
  const applied = await ctx.store.transaction((tx) =>
    applyRevocation(ctx, tx, { target, reason: 'manual', details: { trigger: 'rfc7009' } }, requestContext),
  );
  ctx.onRevocationCommitted(applied.entry);
};
