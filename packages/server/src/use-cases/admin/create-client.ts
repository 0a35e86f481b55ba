import { CutoffError } from '../../domain/errors.js';
import { newClientId } from '../new-ids.js';
import { parseClientId } from '../../domain/ids.js';
import { normalizeNames } from '../../domain/claims.js';
import type {
  ClientConsent,
  ClientRecord,
  ClientType,
  IdTokenSigningAlg,
  PublicJwks,
  TokenEndpointAuthMethod,
} from '../../domain/records.js';
import { clientKeysProblem } from './client-keys.js';
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
  readonly jwks?: PublicJwks | undefined;
  readonly jwksUri?: string | undefined;
  readonly idTokenSignedResponseAlg?: IdTokenSigningAlg | undefined;
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
          : 'token_endpoint_auth_method: a confidential client authenticates with its secret ("client_secret_basic" or "client_secret_post") or its key ("private_key_jwt"), not "none".',
    });
  }
  return method;
};

const invalid = (message: string): CutoffError => new CutoffError('ERR_VALIDATION', { message });

/** `private_key_jwt` needs exactly one source of public keys; other methods need none. */
const checkClientKeys = async (input: CreateClientInput, method: TokenEndpointAuthMethod): Promise<void> => {
  const given = (input.jwks === undefined ? 0 : 1) + (input.jwksUri === undefined ? 0 : 1);
  if (method !== 'private_key_jwt') {
    if (given > 0)
      throw invalid('jwks and jwks_uri are only for token_endpoint_auth_method "private_key_jwt".');
    return;
  }
  if (given !== 1) throw invalid('private_key_jwt: register exactly one of jwks and jwks_uri.');
  if (input.jwksUri !== undefined) {
    const problem = redirectUriProblem(input.jwksUri);
    if (problem !== null) throw invalid(`jwks_uri: "${input.jwksUri}" ${problem}.`);
  }
  if (input.jwks !== undefined) {
    const problem = await clientKeysProblem(input.jwks);
    if (problem !== null) throw invalid(`jwks: ${problem}`);
  }
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
  await checkClientKeys(input, tokenEndpointAuthMethod);
  const grantTypes = grantTypesFor(input);
  // A private_key_jwt client proves itself with its key: it gets no secret to leak.
  const clientSecret =
    input.type === 'confidential' && tokenEndpointAuthMethod !== 'private_key_jwt'
      ? randomSecret(SECRET_PREFIX.clientSecret)
      : null;
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
    jwks: input.jwks ?? null,
    jwksUri: input.jwksUri ?? null,
    idTokenSignedResponseAlg: input.idTokenSignedResponseAlg ?? 'RS256',
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
          consent: client.consent,
          jwks_uri: client.jwksUri,
          id_token_signed_response_alg: client.idTokenSignedResponseAlg,
        },
      }),
    );
  });
  return { client, clientSecret };
};
