import { ID_PREFIX, type ClientId } from '../../domain/ids.js';
import { normalizeNames } from '../../domain/claims.js';
import type { ClientRecord, ClientType } from '../../domain/records.js';
import { SECRET_PREFIX, hashSecret, randomId, randomSecret } from '../../lib/secrets.js';
import type { RequestContext, UseCaseContext } from '../context.js';
import { auditEvent } from '../audit/audit-event.js';

export interface CreateClientInput {
  readonly id?: string | undefined;
  readonly name: string;
  readonly type: ClientType;
  readonly grantTypes?: readonly string[] | undefined;
  readonly roles?: readonly string[] | undefined;
}

/** Registers a client; a confidential client's secret is returned once and stored as a hash. */
export const createClient = async (
  ctx: UseCaseContext,
  input: CreateClientInput,
  requestContext: RequestContext,
): Promise<{ readonly client: ClientRecord; readonly clientSecret: string | null }> => {
  const now = ctx.clock.now();
  const clientSecret = input.type === 'confidential' ? randomSecret(SECRET_PREFIX.clientSecret) : null;
  const defaultGrants =
    input.type === 'confidential' ? ['client_credentials', 'refresh_token'] : ['refresh_token'];
  const client: ClientRecord = {
    id: (input.id ?? randomId(ID_PREFIX.client)) as ClientId,
    name: input.name,
    type: input.type,
    secretHash: clientSecret === null ? null : hashSecret(clientSecret),
    grantTypes: input.grantTypes ?? defaultGrants,
    roles: normalizeNames(input.roles ?? []),
    createdAt: now,
  };
  await ctx.store.transaction(async (tx) => {
    await tx.clients.insert(client);
    await tx.audit.append(
      auditEvent(requestContext, now, {
        action: 'client.created',
        target: { type: 'client', id: client.id },
        details: { name: client.name, type: client.type, grant_types: client.grantTypes },
      }),
    );
  });
  return { client, clientSecret };
};
