import { CutoffError } from '../../domain/errors.js';
import { newClientId } from '../new-ids.js';
import { parseClientId } from '../../domain/ids.js';
import { normalizeNames } from '../../domain/claims.js';
import type {
  ClientConsent,
  ClientRecord,
  ClientType,
  TokenEndpointAuthMethod,
} from '../../domain/records.js';
import { redirectUriProblem } from '../../domain/redirect-uri.js';
import { SECRET_PREFIX, hashSecret, randomSecret } from '../../lib/secrets.js';
import type { RequestContext, UseCaseContext } from '../context.js';
import { auditEvent } from '../audit/audit-event.js';

export interface CreateClientInput {
  readonly id?: string | undefined;
  readonly name: string;
  readonly type: ClientType;
  readonly grantTypes?: readonly string[] | undefined;
  readonly roles?: readonly string[] | undefined;
  readonly redirectUris?: readonly string[] | undefined;
  readonly postLogoutRedirectUris?: readonly string[] | undefined;
  readonly backchannelLogoutUri?: string | undefined;
  readonly backchannelLogoutSessionRequired?: boolean | undefined;
  readonly tokenEndpointAuthMethod?: TokenEndpointAuthMethod | undefined;
  readonly consent?: ClientConsent | undefined;
}

const checkUris = (field: string, uris: readonly string[]): void => {
  for (const uri of uris) {
    const problem = redirectUriProblem(uri);
    if (problem !== null)
      throw new CutoffError('ERR_VALIDATION', { message: `${field}: "${uri}" ${problem}.` });
  }
};

/** The registered auth method must fit the client type: a public client holds no secret. */
const authMethodFor = (input: CreateClientInput): TokenEndpointAuthMethod => {
  const method = input.tokenEndpointAuthMethod ?? (input.type === 'public' ? 'none' : 'client_secret_basic');
  if ((method === 'none') !== (input.type === 'public')) {
    throw new CutoffError('ERR_VALIDATION', {
      message:
        input.type === 'public'
          ? 'token_endpoint_auth_method: a public client has no secret, so it must be "none".'
          : 'token_endpoint_auth_method: a confidential client authenticates with its secret ("client_secret_basic" or "client_secret_post"), not "none".',
    });
  }
  return method;
};

const grantTypesFor = (input: CreateClientInput): readonly string[] => {
  if (input.grantTypes !== undefined) {
    if (input.grantTypes.includes('authorization_code') && (input.redirectUris ?? []).length === 0)
      throw new CutoffError('ERR_VALIDATION', {
        message: 'grant_types: authorization_code needs at least one entry in redirect_uris.',
      });
    return input.grantTypes;
  }
  const code = (input.redirectUris ?? []).length > 0 ? ['authorization_code'] : [];
  return input.type === 'confidential'
    ? [...code, 'client_credentials', 'refresh_token']
    : [...code, 'refresh_token'];
};

/** Registers a client; a confidential client's secret is returned once and stored as a hash. */
export const createClient = async (
  ctx: UseCaseContext,
  input: CreateClientInput,
  requestContext: RequestContext,
): Promise<{ readonly client: ClientRecord; readonly clientSecret: string | null }> => {
  const now = ctx.clock.now();
  checkUris('redirect_uris', input.redirectUris ?? []);
  checkUris('post_logout_redirect_uris', input.postLogoutRedirectUris ?? []);
  if (input.backchannelLogoutUri !== undefined)
    checkUris('backchannel_logout_uri', [input.backchannelLogoutUri]);
  const tokenEndpointAuthMethod = authMethodFor(input);
  const grantTypes = grantTypesFor(input);
  const clientSecret = input.type === 'confidential' ? randomSecret(SECRET_PREFIX.clientSecret) : null;
  const id = input.id === undefined ? newClientId() : parseClientId(input.id);
  if (id === undefined) throw new CutoffError('ERR_VALIDATION', { message: 'id must not be empty.' });
  const client: ClientRecord = {
    id,
    name: input.name,
    type: input.type,
    secretHash: clientSecret === null ? null : hashSecret(clientSecret),
    grantTypes,
    roles: normalizeNames(input.roles ?? []),
    createdAt: now,
    redirectUris: input.redirectUris ?? [],
    postLogoutRedirectUris: input.postLogoutRedirectUris ?? [],
    backchannelLogoutUri: input.backchannelLogoutUri ?? null,
    backchannelLogoutSessionRequired: input.backchannelLogoutSessionRequired ?? false,
    tokenEndpointAuthMethod,
    consent: input.consent ?? 'none',
  };
  await ctx.store.transaction(async (tx) => {
    await tx.clients.insert(client);
    await tx.audit.append(
      auditEvent(requestContext, now, {
        action: 'client.created',
        target: { type: 'client', id: client.id },
        details: {
          name: client.name,
          type: client.type,
          grant_types: client.grantTypes,
          redirect_uris: client.redirectUris,
          token_endpoint_auth_method: client.tokenEndpointAuthMethod,
        },
      }),
    );
  });
  return { client, clientSecret };
};
