import {
  createLocalJWKSet,
  createRemoteJWKSet,
  decodeJwt,
  errors,
  jwtVerify,
  type JSONWebKeySet,
  type JWTVerifyGetKey,
} from 'jose';
import type { ClientId } from '../../domain/ids.js';
import type { ClientRecord } from '../../domain/records.js';
import type { UseCaseContext } from '../context.js';
import { OAuthError } from './oauth-error.js';

/** RFC 7523 section 2.2. */
export const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
/**
 * Asymmetric algorithms only: `none` proves nothing, and an HS* assertion "signed" with the
 * client's public key (which anyone can fetch) would verify if the key were accepted as a secret.
 */
export const CLIENT_ASSERTION_ALGS = ['RS256', 'PS256', 'ES256'] as const;
/** An assertion lives minutes at most (openid-client sends 60 s); longer widens the replay window. */
export const MAX_ASSERTION_LIFETIME_SECONDS = 300;
const MAX_JTI_LENGTH = 256;
/** Remote key sets remembered (jose caches each for 10 minutes, refetching on an unknown `kid`). */
const MAX_REMOTE_KEY_SETS = 1000;
const remoteKeySets = new Map<string, JWTVerifyGetKey>();

const refuse = (why: string): OAuthError => new OAuthError('invalid_client', `client_assertion: ${why}`);

const keySetOf = (client: ClientRecord): JWTVerifyGetKey => {
  if (client.jwks !== null) return createLocalJWKSet(client.jwks as unknown as JSONWebKeySet);
  const uri = client.jwksUri!;
  let keys = remoteKeySets.get(uri);
  if (keys === undefined) {
    if (remoteKeySets.size >= MAX_REMOTE_KEY_SETS) remoteKeySets.clear();
    keys = createRemoteJWKSet(new URL(uri), { timeoutDuration: 5000 });
    remoteKeySets.set(uri, keys);
  }
  return keys;
};

/** Why jose refused the assertion, in words that name the check (never the token). */
const reasonOf = (error: unknown): string => {
  if (error instanceof errors.JOSEAlgNotAllowed)
    return `alg must be one of ${CLIENT_ASSERTION_ALGS.join(', ')}.`;
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'the signature does not verify.';
  if (error instanceof errors.JWKSNoMatchingKey) return 'no registered key of the client matches.';
  if (error instanceof errors.JWTExpired) return 'it has expired.';
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'aud') return 'aud must be the token endpoint URL or the issuer.';
    if (error.claim === 'iss' || error.claim === 'sub') return 'iss and sub must both be the client_id.';
    return `the ${error.claim} claim is missing or invalid.`;
  }
  if (error instanceof errors.JWKSTimeout) return "the client's jwks_uri did not answer.";
  if (error instanceof errors.JOSEError) return 'it is not a valid JWS.';
  return "the client's keys could not be read.";
};

/**
 * `private_key_jwt` (OpenID Connect Core 1.0 section 9, RFC 7523): the client proves itself with
 * a short-lived JWT signed by its registered key; `iss` = `sub` = client_id, `aud` one of
 * `audiences`, `exp` at most five minutes ahead, and a `jti` used once (kept until `exp`).
 */
export const verifyClientAssertion = async (
  ctx: Pick<UseCaseContext, 'store' | 'clock' | 'config' | 'clients'>,
  input: {
    readonly assertion: string;
    readonly assertionType: string | undefined;
    readonly clientId: string | undefined;
    readonly audiences: readonly string[];
  },
): Promise<ClientRecord> => {
  if (input.assertionType !== CLIENT_ASSERTION_TYPE)
    throw new OAuthError('invalid_request', `client_assertion_type must be ${CLIENT_ASSERTION_TYPE}.`);
  let issuer: unknown;
  try {
    issuer = decodeJwt(input.assertion).iss;
  } catch {
    throw refuse('it is not a JWT.');
  }
  if (typeof issuer !== 'string' || issuer.length > 256) throw refuse('iss must be the client_id.');
  if (input.clientId !== undefined && input.clientId !== issuer)
    throw refuse('iss and client_id name different clients.');
  const client = await ctx.clients.find(issuer as ClientId);
  if (client?.tokenEndpointAuthMethod !== 'private_key_jwt')
    throw new OAuthError('invalid_client', 'Client authentication failed.');

  const now = ctx.clock.now();
  let payload;
  try {
    ({ payload } = await jwtVerify(input.assertion, keySetOf(client), {
      algorithms: [...CLIENT_ASSERTION_ALGS],
      issuer: client.id,
      subject: client.id,
      audience: [...input.audiences],
      requiredClaims: ['exp', 'jti'],
      currentDate: now,
      clockTolerance: ctx.config.clockSkewSeconds,
    }));
  } catch (error) {
    throw refuse(reasonOf(error));
  }
  const nowSeconds = Math.floor(now.getTime() / 1000);
  const exp = payload.exp!;
  if (exp - nowSeconds > MAX_ASSERTION_LIFETIME_SECONDS + ctx.config.clockSkewSeconds)
    throw refuse(`exp is more than ${MAX_ASSERTION_LIFETIME_SECONDS} seconds ahead.`);
  const jti = payload.jti!;
  if (jti.length === 0 || jti.length > MAX_JTI_LENGTH) throw refuse('jti is empty or too long.');
  // Kept while jose would still accept it (exp plus the clock tolerance): until then a replay is found.
  const keptUntil = new Date((exp + ctx.config.clockSkewSeconds) * 1000);
  const fresh = await ctx.store.transaction((tx) => tx.oidc.recordClientAssertion(client.id, jti, keptUntil));
  if (!fresh) throw refuse('this jti was already used (a replay).');
  return client;
};
