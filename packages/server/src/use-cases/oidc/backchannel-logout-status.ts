import { CutoffError } from '../../domain/errors.js';
import type { ClientId } from '../../domain/ids.js';
import type { BackchannelLogoutStatus } from '../../ports/storage/oidc.js';
import type { UseCaseContext } from '../context.js';

/** `GET /v1/clients/{id}/backchannel-logout`: how the client's logout tokens are being delivered. */
export const backchannelLogoutStatus = async (
  ctx: Pick<UseCaseContext, 'store'>,
  clientId: ClientId,
): Promise<{ readonly uri: string | null; readonly status: BackchannelLogoutStatus }> => {
  const client = await ctx.store.read((r) => r.clients.findById(clientId));
  if (client === undefined) throw new CutoffError('ERR_NOT_FOUND', { message: 'No client with that id.' });
  return {
    uri: client.backchannelLogoutUri,
    status: await ctx.store.transaction((tx) => tx.oidc.backchannelLogoutStatus(clientId)),
  };
};
