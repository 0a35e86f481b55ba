import type { ClientRecord } from '../../domain/records.js';
import type { RevocationTarget } from '../../domain/revocation-plan.js';
import { hashSecret } from '../../lib/secrets.js';
import type { RequestContext, UseCaseContext } from '../context.js';
import { applyRevocation } from '../revocation/apply-revocation.js';
import { OAuthError } from './oauth-error.js';

/**
 * What a presented token revokes: undefined when it is unknown, invalid or no longer live (RFC
 * 7009 section 2.2: answered 200, nothing to do); `'other_client'` when Cutoff issued it to
 * another client. Ownership is decided before liveness, so the answer to a client never tells it
 * whether another client's token is still live.
 */
const targetOf = async (
  ctx: UseCaseContext,
  token: string,
  client: ClientRecord,
): Promise<RevocationTarget | 'other_client' | undefined> => {
  if (token.split('.').length === 3) {
    const claims = await ctx.signer.verify(token).catch(() => undefined);
    if (claims === undefined) return undefined;
    return claims.client_id === client.id ? { type: 'token', id: claims.jti } : 'other_client';
  }
  const record = await ctx.store.read((r) => r.refreshTokens.findByHash(hashSecret(token)));
  if (record === undefined) return undefined;
  const session = await ctx.store.read((r) => r.sessions.findById(record.sessionId));
  if (session === undefined) return undefined;
  if (session.clientId !== client.id) return 'other_client';
  return session.status === 'active' ? { type: 'session', id: session.id } : undefined;
};

/**
 * RFC 7009. A refresh token takes its whole session with it; an access token is revoked by its
 * jti. Unknown, invalid or dead tokens are ignored (the RFC answers 200). A token issued to
 * another client is refused with `unauthorized_client` and nothing is revoked (section 2.1: the
 * server verifies the token was issued to the client making the request). For a public client
 * this binds by `client_id` only, which is not a secret: it stops a client revoking another's
 * tokens by mistake, and does not stop a holder of the token, who could name the right client.
 */
export const revokeToken = async (
  ctx: UseCaseContext,
  input: { readonly token: string; readonly client: ClientRecord },
  requestContext: RequestContext,
): Promise<void> => {
  const target = await targetOf(ctx, input.token, input.client);
  if (target === undefined) return;
  if (target === 'other_client') {
    throw new OAuthError('unauthorized_client', 'The token was not issued to this client.');
  }
  await ctx.store.transaction((tx) =>
    applyRevocation(ctx, tx, { target, reason: 'manual', details: { trigger: 'rfc7009' } }, requestContext),
  );
};
