import { CutoffError } from '../../domain/errors.js';
import type { ClientId } from '../../domain/ids.js';
import type { Actor } from '../../domain/records.js';
import { peekIssuer } from '../../domain/signals/set-token.js';
import { SET_ALGORITHMS, SET_IAT_LEEWAY_SECONDS } from '../../domain/signals/transmitter.js';
import { toNumericDate } from '../../ports/clock.js';
import type { RemoteJwsVerifier } from '../../ports/remote-jws-verifier.js';
import type { UseCaseContext } from '../context.js';
import type { IntrospectionJson } from '../oauth/introspect.js';

/**
 * The scope a client_credentials token must carry, and the role its client must have been
 * registered with: Cutoff's token endpoint passes a requested scope through as asked, so the
 * scope alone would let any confidential client grant itself the right to log users out.
 */
export const GTR_SCOPE = 'global_token_revocation';
export const GTR_PATH = '/oauth/global-token-revocation';
/** A signed request older than this is refused even before its `exp` (Okta's live 5 minutes). */
const GTR_JWT_MAX_LIFETIME_SECONDS = 3600;

export interface GtrCaller {
  readonly actor: Actor;
  /** A signed JWT's id: recorded with the revocation, so the same request is not applied twice. */
  readonly replay?: { readonly source: string; readonly id: string };
  /** The transmitter whose issuer an `iss_sub` subject may name (the JWT's signer). */
  readonly transmitterIssuer?: string;
}

export interface GtrAuthenticators {
  /** An API key's actor and whether it holds `admin`; undefined for an unknown key. */
  readonly apiKey: (
    presented: string,
  ) => Promise<{ readonly actor: Actor; readonly admin: boolean } | undefined>;
  readonly introspect: (token: string) => Promise<IntrospectionJson>;
  readonly verifier: RemoteJwsVerifier;
}

const unauthenticated = (detail: string) => new CutoffError('ERR_UNAUTHENTICATED', { detail });
const forbidden = (message: string) => new CutoffError('ERR_FORBIDDEN', { message });

/** A Cutoff access token of a client registered with the role and granted the scope. */
const clientCaller = async (
  ctx: UseCaseContext,
  auth: GtrAuthenticators,
  token: string,
): Promise<GtrCaller> => {
  const claims = JSON.parse(await auth.introspect(token)) as Readonly<Record<string, unknown>>;
  if (claims['active'] !== true) throw unauthenticated('inactive access token');
  const clientId = claims['client_id'];
  // A client_credentials token is the client's own (`sub` is the client): a user's token is not.
  if (typeof clientId !== 'string' || claims['sub'] !== clientId)
    throw forbidden('Only a client_credentials token of a client may call this endpoint.');
  const scopes = typeof claims['scope'] === 'string' ? claims['scope'].split(' ') : [];
  const client = await ctx.clients.find(clientId as ClientId);
  if (!scopes.includes(GTR_SCOPE) || client?.roles.includes(GTR_SCOPE) !== true)
    throw forbidden(`The client's token needs scope ${GTR_SCOPE}, and the client the role of that name.`);
  return { actor: { type: 'client', id: clientId } };
};

/** A JWT signed by a configured transmitter's keys (Okta Universal Logout's "Signed JWT"). */
const transmitterCaller = async (
  ctx: UseCaseContext,
  auth: GtrAuthenticators,
  token: string,
  issuer: string,
): Promise<GtrCaller> => {
  const transmitter = await ctx.store.read((r) => r.ssfTransmitters.findByIssuer(issuer));
  if (transmitter === undefined) throw unauthenticated('JWT of an unknown issuer');
  const verified = await auth.verifier.verify(token, {
    jwksUri: transmitter.jwksUri,
    algorithms: SET_ALGORITHMS,
  });
  if (!verified.ok) {
    if (verified.problem === 'keys_unavailable')
      throw new CutoffError('ERR_SSF_KEYS_UNAVAILABLE', {
        detail: `JWKS of transmitter ${transmitter.name}`,
      });
    throw unauthenticated(`JWT of transmitter ${transmitter.name}: ${verified.problem}`);
  }
  const claims = verified.payload;
  const now = toNumericDate(ctx.clock.now());
  const audiences = [ctx.config.issuer, `${ctx.config.issuer}${GTR_PATH}`, transmitter.audience].filter(
    (value): value is string => value !== null,
  );
  const aud = claims['aud'];
  const audList = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud : [];
  if (claims['iss'] !== transmitter.issuer) throw unauthenticated('JWT iss changed');
  if (!audList.some((value) => typeof value === 'string' && audiences.includes(value)))
    throw unauthenticated('JWT aud is not this endpoint');
  const exp = claims['exp'];
  const iat = claims['iat'];
  if (typeof exp !== 'number' || exp + SET_IAT_LEEWAY_SECONDS <= now)
    throw unauthenticated('JWT expired or without exp');
  if (typeof iat === 'number' && iat > now + SET_IAT_LEEWAY_SECONDS)
    throw unauthenticated('JWT iat in the future');
  if (exp - (typeof iat === 'number' ? iat : now) > GTR_JWT_MAX_LIFETIME_SECONDS)
    throw unauthenticated('JWT lives longer than an hour');
  const jti = claims['jti'];
  return {
    actor: { type: 'ssf_transmitter', id: transmitter.name },
    transmitterIssuer: transmitter.issuer,
    ...(typeof jti === 'string' &&
      jti.length > 0 &&
      jti.length <= 256 && { replay: { source: `gtr:${transmitter.name}`, id: jti } }),
  };
};

/**
 * Who calls `POST /oauth/global-token-revocation`, from its Bearer credential: an admin API
 * key, a client_credentials access token (scope and role `global_token_revocation`), or a JWT
 * signed by a configured transmitter (Okta Universal Logout). 401 for anything unknown, 403 for
 * a known caller without the right.
 */
export const authenticateGtrCaller = async (
  ctx: UseCaseContext,
  auth: GtrAuthenticators,
  bearer: string,
): Promise<GtrCaller> => {
  const issuer = peekIssuer(bearer);
  if (issuer === undefined) {
    const key = await auth.apiKey(bearer);
    if (key === undefined) throw unauthenticated('unknown bearer credential');
    if (!key.admin) throw forbidden('The API key needs the admin scope.');
    return { actor: key.actor };
  }
  return issuer === ctx.config.issuer
    ? clientCaller(ctx, auth, bearer)
    : transmitterCaller(ctx, auth, bearer, issuer);
};
