import type { FastifyRequest } from 'fastify';
import { parseClientId } from '../domain/ids.js';
import type { ClientRecord } from '../domain/records.js';
import { hashSecret, secretsEqual } from '../lib/secrets.js';
import type { UseCaseContext } from '../use-cases/context.js';
import { verifyClientAssertion } from '../use-cases/oauth/client-assertion.js';
import { OAuthError } from '../use-cases/oauth/oauth-error.js';

interface ClientCredentials {
  readonly clientId: string | undefined;
  readonly clientSecret: string | undefined;
  readonly method: 'client_secret_basic' | 'client_secret_post' | 'none';
}

const decodeBasicPart = (part: string): string => decodeURIComponent(part.replace(/\+/g, '%20'));

/** RFC 6749 section 2.3.1: Basic (form-urlencoded parts) or client_secret_post; never both. */
const readCredentials = (
  request: FastifyRequest,
  body: Readonly<Record<string, unknown>>,
): ClientCredentials => {
  const header = request.headers.authorization;
  const postId = typeof body.client_id === 'string' ? body.client_id : undefined;
  const postSecret = typeof body.client_secret === 'string' ? body.client_secret : undefined;
  if (header !== undefined && /^basic /i.test(header)) {
    if (postSecret !== undefined)
      throw new OAuthError('invalid_request', 'Use one client authentication method.');
    const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) throw new OAuthError('invalid_client', 'Malformed Basic credentials.');
    try {
      return {
        clientId: decodeBasicPart(decoded.slice(0, colon)),
        clientSecret: decodeBasicPart(decoded.slice(colon + 1)),
        method: 'client_secret_basic',
      };
    } catch {
      throw new OAuthError('invalid_client', 'Malformed Basic credentials.');
    }
  }
  if (postSecret !== undefined)
    return { clientId: postId, clientSecret: postSecret, method: 'client_secret_post' };
  return { clientId: postId, clientSecret: undefined, method: 'none' };
};

/** Whether the request carries a `private_key_jwt` assertion (RFC 7523 section 2.2). */
export const hasClientAssertion = (body: Readonly<Record<string, unknown>> | null | undefined): boolean =>
  typeof body?.client_assertion === 'string' || typeof body?.client_assertion_type === 'string';

/**
 * Authenticates the calling client. Confidential clients must prove their secret or sign an
 * assertion with their registered key; public clients only name themselves. Undefined when the
 * request names no client (a public refresh may omit client_id).
 */
export const authenticateClient = async (
  ctx: Pick<UseCaseContext, 'store' | 'clock' | 'config' | 'clients'>,
  request: FastifyRequest,
  body: Readonly<Record<string, unknown>>,
): Promise<ClientRecord | undefined> => {
  if (hasClientAssertion(body)) {
    if (request.headers.authorization !== undefined || body.client_secret !== undefined)
      throw new OAuthError('invalid_request', 'Use one client authentication method.');
    const { issuer } = ctx.config;
    // RFC 7523 3: the token endpoint URL or the issuer; the endpoint called is accepted too.
    const endpoint = `${issuer}${request.routeOptions.url ?? '/oauth/token'}`;
    return verifyClientAssertion(ctx, {
      assertion: typeof body.client_assertion === 'string' ? body.client_assertion : '',
      assertionType: typeof body.client_assertion_type === 'string' ? body.client_assertion_type : undefined,
      clientId: typeof body.client_id === 'string' ? body.client_id : undefined,
      audiences: [...new Set([`${issuer}/oauth/token`, issuer, endpoint])],
    });
  }
  const credentials = readCredentials(request, body);
  if (credentials.clientId === undefined) return undefined;
  const clientId = parseClientId(credentials.clientId);
  const client = clientId === undefined ? undefined : await ctx.clients.find(clientId);
  const invalid = new OAuthError('invalid_client', 'Client authentication failed.');
  if (client === undefined) throw invalid;
  if (client.type === 'confidential') {
    if (credentials.clientSecret === undefined || client.secretHash === null) throw invalid;
    if (!secretsEqual(hashSecret(credentials.clientSecret), client.secretHash)) throw invalid;
  } else if (credentials.clientSecret !== undefined) {
    throw invalid;
  }
  return client;
};
