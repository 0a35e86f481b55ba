import { parseClientId } from '../../domain/ids.js';
import type { AuthorizationRequest } from '../../domain/oidc-records.js';
import type { ClientRecord } from '../../domain/records.js';
import type { UseCaseContext } from '../context.js';
import { acrValuesRequireMfa } from './acr.js';

/** The scopes Cutoff answers; others are ignored (OpenID Connect Core 1.0 section 3.1.2.1). */
export const SUPPORTED_SCOPES = ['openid', 'email', 'profile', 'groups', 'offline_access'] as const;

/** RFC 7636 section 4.2: 43 to 128 unreserved characters (S256 output is always 43). */
const CODE_CHALLENGE = /^[A-Za-z0-9._~-]{43,128}$/;
const MAX_PARAMETER_LENGTH = 2000;

export type AuthorizeErrorCode =
  | 'invalid_request'
  | 'unauthorized_client'
  | 'unsupported_response_type'
  | 'invalid_scope'
  | 'login_required'
  | 'consent_required'
  | 'interaction_required'
  | 'request_not_supported'
  | 'request_uri_not_supported';

export type ParsedAuthorization =
  /** The client or redirect URI cannot be trusted: show a page, never redirect (RFC 9700 4.11). */
  | { readonly kind: 'page'; readonly message: string }
  /** The redirect URI is registered: the error goes back to the client, with `state` and `iss`. */
  | {
      readonly kind: 'redirect_error';
      readonly redirectUri: string;
      readonly state: string | null;
      readonly error: AuthorizeErrorCode;
      readonly description: string;
    }
  | {
      readonly kind: 'valid';
      readonly client: ClientRecord;
      readonly request: AuthorizationRequest;
      /** `prompt=none`: never show a page; `login_required` if the user must sign in. */
      readonly promptNone: boolean;
    };

type Query = Readonly<Record<string, unknown>>;

/** A parameter sent more than once (or not as text): an error (RFC 6749 section 3.1). */
const REPEATED = Symbol('repeated');

/** One value per parameter; an empty one counts as absent. */
const single = (query: Query, name: string): string | undefined | typeof REPEATED => {
  const value = query[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') return REPEATED;
  return value === '' ? undefined : value;
};

/** A parameter already checked to be single. */
const text = (query: Query, name: string): string | undefined => {
  const value = single(query, name);
  return value === REPEATED ? undefined : value;
};

/**
 * Validates `GET /oauth/authorize` (OpenID Connect Core 1.0 section 3.1.2.1, RFC 9700). The
 * client and its exact redirect URI are checked first: until both are known good, no error may
 * be sent to the redirect URI, or the endpoint becomes an open redirector.
 */
export const parseAuthorizationRequest = async (
  ctx: Pick<UseCaseContext, 'clients'>,
  query: Query,
): Promise<ParsedAuthorization> => {
  const clientId = single(query, 'client_id');
  if (clientId === undefined || clientId === REPEATED || clientId.length > 256)
    return {
      kind: 'page',
      message: 'The application did not identify itself (client_id is missing or repeated).',
    };
  const knownId = parseClientId(clientId);
  const client = knownId === undefined ? undefined : await ctx.clients.find(knownId);
  if (client === undefined)
    return { kind: 'page', message: 'The application is not registered with Cutoff.' };
  const redirectUri = single(query, 'redirect_uri');
  if (redirectUri === undefined || redirectUri === REPEATED)
    return { kind: 'page', message: 'The application sent no redirect_uri (or sent it twice).' };
  if (!client.redirectUris.includes(redirectUri))
    return {
      kind: 'page',
      message: 'The redirect_uri is not registered for this application, so Cutoff will not send you there.',
    };

  const rawState = single(query, 'state');
  const state = rawState === undefined || rawState === REPEATED ? null : rawState;
  const fail = (error: AuthorizeErrorCode, description: string): ParsedAuthorization => ({
    kind: 'redirect_error',
    redirectUri,
    state,
    error,
    description,
  });

  const names = [
    'state',
    'response_type',
    'scope',
    'nonce',
    'code_challenge',
    'code_challenge_method',
    'prompt',
    'max_age',
    'acr_values',
  ];
  for (const name of names) {
    const value = single(query, name);
    if (value === REPEATED) return fail('invalid_request', `${name} must appear once.`);
    if (value !== undefined && value.length > MAX_PARAMETER_LENGTH)
      return fail('invalid_request', `${name} is longer than ${MAX_PARAMETER_LENGTH} characters.`);
  }
  if (query.request !== undefined) return fail('request_not_supported', 'Request objects are not supported.');
  if (query.request_uri !== undefined)
    return fail('request_uri_not_supported', 'request_uri is not supported.');

  const responseType = text(query, 'response_type');
  if (responseType !== 'code')
    return fail('unsupported_response_type', 'Only response_type=code is supported.');
  if (!client.grantTypes.includes('authorization_code'))
    return fail('unauthorized_client', 'This client is not registered for the authorization_code grant.');

  const requested = (text(query, 'scope') ?? '').split(' ').filter(Boolean);
  if (!requested.includes('openid')) return fail('invalid_scope', 'The scope must include openid.');
  const scope = SUPPORTED_SCOPES.filter((name) => requested.includes(name)).join(' ');

  const challenge = text(query, 'code_challenge');
  const method = text(query, 'code_challenge_method');
  if (challenge === undefined) {
    // RFC 9700 2.1.1: a public client cannot prove who redeems the code without PKCE.
    if (client.type === 'public')
      return fail(
        'invalid_request',
        'PKCE is required: send code_challenge with code_challenge_method=S256.',
      );
    if (method !== undefined) return fail('invalid_request', 'code_challenge_method without code_challenge.');
  } else {
    if (method !== 'S256') return fail('invalid_request', 'code_challenge_method must be S256.');
    if (!CODE_CHALLENGE.test(challenge)) return fail('invalid_request', 'code_challenge is malformed.');
  }

  const prompts = (text(query, 'prompt') ?? '').split(' ').filter(Boolean);
  if (prompts.includes('none') && prompts.length > 1)
    return fail('invalid_request', 'prompt=none cannot be combined with other values.');

  const rawMaxAge = text(query, 'max_age');
  let maxAgeSeconds: number | null = null;
  if (rawMaxAge !== undefined) {
    if (!/^\d{1,9}$/.test(rawMaxAge)) return fail('invalid_request', 'max_age must be a number of seconds.');
    maxAgeSeconds = Number(rawMaxAge);
  }

  return {
    kind: 'valid',
    client,
    promptNone: prompts.includes('none'),
    request: {
      clientId: client.id,
      redirectUri,
      scope,
      state,
      nonce: text(query, 'nonce') ?? null,
      codeChallenge: challenge ?? null,
      maxAgeSeconds,
      forceLogin: prompts.includes('login'),
      forceConsent: prompts.includes('consent'),
      requireMfa: acrValuesRequireMfa(text(query, 'acr_values')),
    },
  };
};

/** The redirect back to the client: RFC 9207 `iss` on every response, success or error. */
export const authorizationResponseUrl = (
  redirectUri: string,
  issuer: string,
  params: Readonly<Record<string, string | null>>,
): string => {
  const url = new URL(redirectUri);
  for (const [name, value] of Object.entries(params)) if (value !== null) url.searchParams.set(name, value);
  url.searchParams.set('iss', issuer);
  return url.toString();
};
