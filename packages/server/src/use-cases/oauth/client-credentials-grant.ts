import type { ClientRecord } from '../../domain/records.js';
import type { UseCaseContext } from '../context.js';
import { clientAccessTokenClaims, type TokenResponse } from '../auth/issue-tokens.js';
import { OAuthError } from './oauth-error.js';

/** Service-to-service tokens: no session, no refresh token; revocable by client, token or all. */
export const clientCredentialsGrant = async (
  ctx: UseCaseContext,
  input: { readonly client: ClientRecord; readonly scope?: string | undefined },
): Promise<TokenResponse> => {
  if (input.client.type !== 'confidential' || !input.client.grantTypes.includes('client_credentials')) {
    throw new OAuthError('unauthorized_client', 'This client may not use the client_credentials grant.');
  }
  const now = ctx.clock.now();
  const accessToken = await ctx.signer.sign(clientAccessTokenClaims(ctx, input.client, now, input.scope));
  return { accessToken, expiresIn: ctx.config.accessTokenTtlSeconds };
};
