import { DEFAULT_CLOCK_TOLERANCE_SECONDS, isIssuedInFuture } from '@cutoff/guard/rule';
import { toNumericDate } from '../../ports/clock.js';
import { hashSecret } from '../../lib/secrets.js';
import type { UseCaseContext } from '../context.js';
import { createVerifiedTokenCache } from './verified-token-cache.js';

/** The RFC 7662 answer as JSON text: built once per token, since most introspections repeat. */
export type IntrospectionJson = string;

const INACTIVE = JSON.stringify({ active: false });

/** Three dot-separated parts: a JWS compact serialization, as access tokens are. */
const isJwtShaped = (token: string): boolean => {
  const first = token.indexOf('.');
  const second = first < 0 ? -1 : token.indexOf('.', first + 1);
  return second > 0 && !token.includes('.', second + 1);
};

/** RFC 7662: anything revoked, expired, unknown or malformed is exactly `{active: false}`. */
export const createIntrospector = (ctx: UseCaseContext) => {
  const verify = createVerifiedTokenCache(ctx.signer, ctx.config.issuer);

  const introspectRefreshToken = async (token: string, now: Date): Promise<IntrospectionJson> => {
    const record = await ctx.store.read((r) => r.refreshTokens.findByHash(hashSecret(token)));
    if (record?.status !== 'active' || record.expiresAt <= now) return INACTIVE;
    const session = await ctx.store.read((r) => r.sessions.findById(record.sessionId));
    if (session?.status !== 'active' || session.idleExpiresAt <= now) return INACTIVE;
    return JSON.stringify({
      active: true,
      token_type: 'refresh_token',
      client_id: session.clientId,
      sub: session.userId,
      sid: session.id,
      iss: ctx.config.issuer,
      iat: toNumericDate(record.createdAt),
      exp: toNumericDate(record.expiresAt),
    });
  };

  return async (token: string): Promise<IntrospectionJson> => {
    if (token.length === 0 || token.length > 8192) return INACTIVE;
    const now = ctx.clock.now();
    const nowSeconds = toNumericDate(now);
    if (!isJwtShaped(token)) return introspectRefreshToken(token, now);
    // Same reasoning as a guard's staleness: without a recent store read, no access token is
    // vouched for (refresh tokens above are read from the store itself).
    if (!ctx.revocationIndexCurrent()) return INACTIVE;
    const verified = await verify(token, nowSeconds);
    if (verified === undefined) return INACTIVE;
    // The guard's rule, from the guard's code: a future `iat` would escape every watermark.
    if (isIssuedInFuture(verified.subject.iat, nowSeconds, DEFAULT_CLOCK_TOLERANCE_SECONDS)) return INACTIVE;
    // The revocation rule runs on every call; only the serialization is cached.
    if (ctx.revocationIndex.match(verified.subject, nowSeconds) !== undefined) return INACTIVE;
    return verified.activeJson;
  };
};
