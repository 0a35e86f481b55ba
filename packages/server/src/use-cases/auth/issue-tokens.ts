import { newRefreshTokenId } from '../new-ids.js';
import type { ClientRecord, RefreshTokenRecord, SessionRecord, UserRecord } from '../../domain/records.js';
import { SECRET_PREFIX, hashSecret, randomId, randomSecret } from '../../lib/secrets.js';
import { toNumericDate } from '../../ports/clock.js';
import type { AccessTokenClaims } from '../../ports/token-signer.js';
import type { UseCaseContext } from '../context.js';
import { resolveGroupAccess, type GroupAccess } from '../groups/group-access.js';

export interface TokenResponse {
  readonly accessToken: string;
  readonly refreshToken?: string;
  readonly expiresIn: number;
  readonly sessionId?: string;
}

/** A fresh refresh token: the plaintext for the caller and the record (hash only) to store. */
export const newRefreshToken = (
  session: SessionRecord,
  now: Date,
): { readonly token: string; readonly record: RefreshTokenRecord } => {
  const token = randomSecret(SECRET_PREFIX.refreshToken);
  return {
    token,
    record: {
      id: newRefreshTokenId(),
      sessionId: session.id,
      tokenHash: hashSecret(token),
      status: 'active',
      createdAt: now,
      rotatedAt: null,
      expiresAt: session.absoluteExpiresAt,
    },
  };
};

/**
 * Claims per RFC 9068, with the current roles and groups of the user. With `access` (the groups'
 * end dates applied, see `resolveGroupAccess`), ended groups are left out, `access_until` is the
 * earliest pending end date and `exp` never exceeds it.
 */
export const userAccessTokenClaims = (
  ctx: Pick<UseCaseContext, 'config'>,
  user: UserRecord,
  session: SessionRecord,
  now: Date,
  access?: GroupAccess,
): AccessTokenClaims => {
  const iat = toNumericDate(now);
  const accessUntil =
    access?.accessUntil === null || access === undefined ? undefined : toNumericDate(access.accessUntil);
  const exp = iat + ctx.config.accessTokenTtlSeconds;
  return {
    iss: ctx.config.issuer,
    sub: user.id,
    aud: ctx.config.audience,
    iat,
    exp: accessUntil === undefined ? exp : Math.min(exp, accessUntil),
    jti: randomId('at'),
    client_id: session.clientId,
    sid: session.id,
    roles: user.roles,
    groups: access?.groups ?? user.groups,
    amr: session.amr,
    auth_time: toNumericDate(session.authTime ?? session.createdAt),
    ...(accessUntil !== undefined && { access_until: accessUntil }),
    ...(session.scope !== undefined && session.scope !== null && { scope: session.scope }),
  };
};

/** `userAccessTokenClaims` with the user's group end dates read from the store. */
export const resolvedUserAccessTokenClaims = async (
  ctx: Pick<UseCaseContext, 'config' | 'store'>,
  user: UserRecord,
  session: SessionRecord,
  now: Date,
): Promise<AccessTokenClaims> =>
  userAccessTokenClaims(
    ctx,
    user,
    session,
    now,
    await ctx.store.read((r) => resolveGroupAccess(r.groups, user.groups, now)),
  );

export const clientAccessTokenClaims = (
  ctx: Pick<UseCaseContext, 'config'>,
  client: ClientRecord,
  now: Date,
  scope: string | undefined,
): AccessTokenClaims => {
  const iat = toNumericDate(now);
  return {
    iss: ctx.config.issuer,
    sub: client.id,
    aud: ctx.config.audience,
    iat,
    exp: iat + ctx.config.accessTokenTtlSeconds,
    jti: randomId('at'),
    client_id: client.id,
    roles: client.roles,
    groups: [],
    ...(scope !== undefined && { scope }),
  };
};
