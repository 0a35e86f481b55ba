import { DEFAULT_CLIENT_ID } from '../auth/login.js';
import type { UseCaseContext } from '../context.js';
import { createApiKey } from './create-api-key.js';
import { CutoffError } from '../../domain/errors.js';
import { apiKeyStatus } from '../../domain/records.js';

const SYSTEM = {
  actor: { type: 'system', id: 'bootstrap' },
  request: { ip: null, user_agent: null },
} as const;

/**
 * First start: the default public client exists, and when no admin key is configured, an admin
 * API key is generated and returned (to be printed once). Safe to run on every start and on
 * several replicas at once.
 */
export const bootstrap = async (
  ctx: Pick<UseCaseContext, 'store' | 'clock'>,
  options: { readonly adminKeyConfigured: boolean },
): Promise<{ readonly generatedAdminKey: string | null }> => {
  const now = ctx.clock.now();
  if ((await ctx.store.read((r) => r.clients.findById(DEFAULT_CLIENT_ID))) === undefined) {
    try {
      await ctx.store.transaction((tx) =>
        tx.clients.insert({
          id: DEFAULT_CLIENT_ID,
          name: 'Cutoff first-party login',
          type: 'public',
          secretHash: null,
          grantTypes: ['refresh_token'],
          roles: [],
          createdAt: now,
          redirectUris: [],
          postLogoutRedirectUris: [],
          backchannelLogoutUri: null,
          backchannelLogoutSessionRequired: false,
          tokenEndpointAuthMethod: 'none',
          jwks: null,
          jwksUri: null,
          idTokenSignedResponseAlg: 'RS256',
          consent: 'none',
        }),
      );
    } catch (error) {
      if (!(error instanceof CutoffError && error.code === 'ERR_CONFLICT')) throw error;
    }
  }
  if (options.adminKeyConfigured) return { generatedAdminKey: null };
  const keys = await ctx.store.read((r) => r.apiKeys.list());
  if (keys.some((key) => key.scopes.includes('admin') && apiKeyStatus(key, now) === 'active'))
    return { generatedAdminKey: null };
  const { key } = await createApiKey(ctx, { name: 'bootstrap-admin', scopes: ['admin'] }, SYSTEM);
  return { generatedAdminKey: key };
};
