import type { SessionRecord, UserRecord } from '../../domain/records.js';
import { SECRET_PREFIX, hashSecret, randomSecret } from '../../lib/secrets.js';
import type { UseCaseContext } from '../context.js';

export interface LiveBrowserSession {
  readonly session: SessionRecord;
  readonly user: UserRecord;
}

/**
 * The SSO browser session behind a cookie, if it is still live: a Cutoff session that no
 * revocation has covered (every kind marks the sessions it covers in its own transaction), not
 * idle or past its absolute lifetime, of a user still active. Read on every authorization
 * request, so a cutoff reaches the next sign-in at once.
 */
export const findLiveBrowserSession = async (
  ctx: Pick<UseCaseContext, 'store' | 'clock'>,
  cookie: string | undefined,
): Promise<LiveBrowserSession | undefined> => {
  if (cookie === undefined || !cookie.startsWith(SECRET_PREFIX.browserSession) || cookie.length > 200)
    return undefined;
  const sessionId = await ctx.store.read((r) => r.oidc.findBrowserSession(hashSecret(cookie)));
  if (sessionId === undefined) return undefined;
  const session = await ctx.store.read((r) => r.sessions.findById(sessionId));
  const now = ctx.clock.now();
  if (session?.status !== 'active' || session.idleExpiresAt <= now || session.absoluteExpiresAt <= now)
    return undefined;
  const user = await ctx.store.read((r) => r.users.findById(session.userId));
  if (user?.active !== true) return undefined;
  return { session, user };
};

/** Binds a new cookie secret to the session; only its sha256 is stored. */
export const startBrowserSession = async (
  ctx: Pick<UseCaseContext, 'store' | 'clock'>,
  session: SessionRecord,
): Promise<string> => {
  const cookie = randomSecret(SECRET_PREFIX.browserSession);
  await ctx.store.transaction((tx) =>
    tx.oidc.insertBrowserSession(hashSecret(cookie), session.id, ctx.clock.now()),
  );
  return cookie;
};
