import { parseSessionId } from '../../domain/ids.js';
import { toTokenSubject } from '@cutoff/guard/rule';
import { toNumericDate } from '../../ports/clock.js';
import type { UseCaseContext } from '../context.js';

/** Why the bearer token is refused (RFC 6750 section 3.1). */
export class UserinfoError extends Error {
  override readonly name = 'UserinfoError';
  constructor(
    readonly error: 'invalid_token' | 'insufficient_scope',
    readonly description: string,
  ) {
    super(description);
  }
}

/**
 * OpenID Connect Core 1.0 section 5.3: the claims the access token's scopes grant. The token is
 * checked as a guard checks it (signature, expiry, the revocation rule) and its session must be
 * live, so a cutoff stops userinfo at once.
 */
export const userinfo = async (
  ctx: UseCaseContext,
  accessToken: string,
): Promise<Readonly<Record<string, unknown>>> => {
  const claims = await ctx.signer.verify(accessToken).catch(() => {
    throw new UserinfoError('invalid_token', 'The access token is invalid or expired.');
  });
  const now = ctx.clock.now();
  if (ctx.revocationIndex.match(toTokenSubject(claims, ctx.config.issuer), toNumericDate(now)) !== undefined)
    throw new UserinfoError('invalid_token', 'The access token has been revoked.');
  const scopes = (claims.scope ?? '').split(' ');
  if (!scopes.includes('openid'))
    throw new UserinfoError('insufficient_scope', 'The access token was not issued with the openid scope.');
  const sid = claims.sid === undefined ? undefined : parseSessionId(claims.sid);
  const session = sid === undefined ? undefined : await ctx.store.read((r) => r.sessions.findById(sid));
  if (session?.status !== 'active') throw new UserinfoError('invalid_token', 'The session has ended.');
  const user = await ctx.store.read((r) => r.users.findById(session.userId));
  if (user?.active !== true) throw new UserinfoError('invalid_token', 'The session has ended.');
  return {
    sub: user.id,
    ...(scopes.includes('email') && user.email !== null && { email: user.email }),
    ...(scopes.includes('profile') && {
      preferred_username: user.username,
      name: user.displayName ?? user.username,
      ...((user.givenName ?? null) !== null && { given_name: user.givenName }),
      ...((user.familyName ?? null) !== null && { family_name: user.familyName }),
    }),
    ...(scopes.includes('groups') && { groups: claims.groups }),
  };
};
