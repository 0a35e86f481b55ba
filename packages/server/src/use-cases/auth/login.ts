import { CutoffError } from '../../domain/errors.js';
import { newSessionId } from '../new-ids.js';
import { DEFAULT_CLIENT_ID, parseClientId, type ClientId, type UserId } from '../../domain/ids.js';
import type { AuditTarget, SessionRecord, UserRecord } from '../../domain/records.js';
import type { RequestContext, UseCaseContext } from '../context.js';
import { newRefreshToken, resolvedUserAccessTokenClaims, type TokenResponse } from './issue-tokens.js';
import { openTotpSecret } from './open-totp-secret.js';

export { DEFAULT_CLIENT_ID };

export interface LoginInput {
  readonly username: string;
  readonly password: string;
  readonly totp?: string | undefined;
  readonly clientId?: string | undefined;
}

type FailureReason = 'unknown_user' | 'bad_password' | 'inactive';

/**
 * Why a login with the right password failed at the second factor (`login.mfa_failed`):
 * no code, a wrong one, one already used, or MFA demanded (after an incident) of an account with
 * no factor enrolled.
 */
type MfaFailureReason = 'totp_missing' | 'totp_invalid' | 'totp_replayed' | 'mfa_not_enrolled';

export const login = async (
  ctx: UseCaseContext,
  input: LoginInput,
  requestContext: RequestContext,
): Promise<TokenResponse & { readonly sessionId: string; readonly refreshToken: string }> => {
  const verified = await verifyPassword(ctx, input, requestContext);
  const { session, refreshToken } = await openSession(ctx, verified, input.totp, requestContext);
  if (refreshToken === null) throw new Error('unreachable: openSession issues a refresh token by default');
  // Group end dates: ended groups are left out, `access_until` caps the token's lifetime.
  const claims = await resolvedUserAccessTokenClaims(ctx, verified.user, session, verified.now);
  const accessToken = await ctx.signer.sign(claims);
  return {
    accessToken,
    refreshToken,
    expiresIn: claims.exp - claims.iat,
    sessionId: session.id,
  };
};

/** A login whose password was right (or, resumed, was right a moment ago): the second factor is next. */
export interface VerifiedPassword {
  readonly user: UserRecord;
  readonly clientId: ClientId;
  /** The name the caller typed: the rate limiter's key. */
  readonly username: string;
  readonly ip: string;
  readonly now: Date;
}

/**
 * The first half of every login (JSON and hosted): rate limit, client, password, active account.
 * A failure is counted and audited as `login.failed` and throws `ERR_INVALID_CREDENTIALS`.
 */
export const verifyPassword = async (
  ctx: UseCaseContext,
  input: Omit<LoginInput, 'totp'>,
  requestContext: RequestContext,
): Promise<VerifiedPassword> => {
  const now = ctx.clock.now();
  const ip = requestContext.request.ip ?? 'unknown';
  await checkRateLimit(ctx, input.username, ip, now);
  const clientId = input.clientId === undefined ? DEFAULT_CLIENT_ID : parseClientId(input.clientId);
  const client = clientId === undefined ? undefined : await ctx.clients.find(clientId);
  if (clientId === undefined || client === undefined)
    throw new CutoffError('ERR_VALIDATION', { message: 'Unknown client_id.' });

  const user = await ctx.store.read((r) => r.users.findByUsername(input.username));
  const passwordOk = await ctx.passwords.verify(user?.passwordHash ?? null, input.password);

  const fail = async (reason: FailureReason, target: AuditTarget): Promise<never> => {
    await ctx.loginLimiter.recordFailure(input.username, ip, now.getTime());
    await ctx.store.transaction((tx) =>
      tx.audit.append({
        ts: now,
        action: 'login.failed',
        actor: { type: 'user', id: user?.id ?? input.username },
        target,
        reason: null,
        counts: null,
        request: requestContext.request,
        details: { failure: reason, client_id: clientId },
      }),
    );
    throw new CutoffError('ERR_INVALID_CREDENTIALS');
  };

  if (user === undefined) return fail('unknown_user', { type: 'username', id: input.username });
  const userTarget = { type: 'user', id: user.id };
  if (!passwordOk) return fail('bad_password', userTarget);
  if (!user.active) return fail('inactive', userTarget);
  return { user, clientId, username: input.username, ip, now };
};

/**
 * The hosted login's TOTP step: the password was verified by `verifyPassword` on an earlier page
 * of the same login attempt (held server-side, never in the browser). The user is read again, so
 * one deactivated in between cannot finish, and the rate limit applies to this step too.
 */
export const resumeVerifiedPassword = async (
  ctx: UseCaseContext,
  input: { readonly userId: UserId; readonly clientId: ClientId },
  requestContext: RequestContext,
): Promise<VerifiedPassword> => {
  const now = ctx.clock.now();
  const ip = requestContext.request.ip ?? 'unknown';
  const user = await ctx.store.read((r) => r.users.findById(input.userId));
  if (user === undefined || !user.active) throw new CutoffError('ERR_INVALID_CREDENTIALS');
  await checkRateLimit(ctx, user.username, ip, now);
  return { user, clientId: input.clientId, username: user.username, ip, now };
};

const checkRateLimit = async (
  ctx: UseCaseContext,
  username: string,
  ip: string,
  now: Date,
): Promise<void> => {
  const retryAfter = await ctx.loginLimiter.retryAfterSeconds(username, ip, now.getTime());
  if (retryAfter > 0) {
    throw new CutoffError('ERR_RATE_LIMITED', { extra: { retry_after_seconds: retryAfter } });
  }
};

/**
 * The second half: the second factor, then the session (and, unless `withRefreshToken` is
 * false, its first refresh token), audited as `login.succeeded` and `session.created`.
 */
export const openSession = async (
  ctx: UseCaseContext,
  verified: VerifiedPassword,
  totp: string | undefined,
  requestContext: RequestContext,
  options: { readonly withRefreshToken?: boolean; readonly trigger?: string } = {},
): Promise<{ readonly session: SessionRecord; readonly refreshToken: string | null }> => {
  const { user, clientId, ip, now } = verified;
  const userTarget = { type: 'user', id: user.id };

  /*
   * The password was right and the second factor was not: the strongest sign of a stolen
   * password, so it is audited as such (with the address and user agent, never the code) and
   * counted like any failure. Counting a missing code too matters: `mfa_required` tells the
   * caller the password is right, and without the count it could test passwords unthrottled.
   * A legitimate two-step login (password, then code) adds one failure, cleared by its success.
   */
  const failMfa = async (reason: MfaFailureReason, error: CutoffError): Promise<never> => {
    await ctx.loginLimiter.recordFailure(verified.username, ip, now.getTime());
    await ctx.store.transaction((tx) =>
      tx.audit.append({
        ts: now,
        action: 'login.mfa_failed',
        actor: { type: 'user', id: user.id },
        target: userTarget,
        reason: null,
        counts: null,
        request: requestContext.request,
        details: { failure: reason, client_id: clientId },
      }),
    );
    throw error;
  };

  const amr = await checkSecondFactor(ctx, user, totp, now, failMfa);

  const session: SessionRecord = {
    id: newSessionId(),
    userId: user.id,
    clientId,
    status: 'active',
    createdAt: now,
    lastSeenAt: now,
    idleExpiresAt: new Date(now.getTime() + ctx.config.sessionIdleTimeoutSeconds * 1000),
    absoluteExpiresAt: new Date(now.getTime() + ctx.config.sessionAbsoluteLifetimeSeconds * 1000),
    ip: requestContext.request.ip,
    userAgent: requestContext.request.user_agent,
    amr,
    revokedAt: null,
    revokedReason: null,
  };
  const refresh = options.withRefreshToken === false ? null : newRefreshToken(session, now);
  await ctx.store.transaction(async (tx) => {
    await tx.sessions.insert(session);
    if (refresh !== null) await tx.refreshTokens.insert(refresh.record);
    if (user.mfaRequired && amr.includes('otp'))
      await tx.users.update(user.id, { mfaRequired: false, updatedAt: now });
    const actor = { type: 'user', id: user.id } as const;
    const common = { ts: now, actor, reason: null, counts: null, request: requestContext.request } as const;
    const trigger = options.trigger === undefined ? {} : { trigger: options.trigger };
    await tx.audit.append({
      ...common,
      action: 'login.succeeded',
      target: userTarget,
      details: { amr, client_id: clientId, ...trigger },
    });
    await tx.audit.append({
      ...common,
      action: 'session.created',
      target: { type: 'session', id: session.id },
      details: { user_id: user.id, client_id: clientId, ...trigger },
    });
  });
  await ctx.loginLimiter.recordSuccess(verified.username, ip, now.getTime());
  return { session, refreshToken: refresh?.token ?? null };
};

/** Returns the session's `amr`; fails the login (`login.mfa_failed`) on a missing or wrong code. */
const checkSecondFactor = async (
  ctx: UseCaseContext,
  user: UserRecord,
  code: string | undefined,
  now: Date,
  failMfa: (reason: MfaFailureReason, error: CutoffError) => Promise<never>,
): Promise<readonly string[]> => {
  // A pending (unconfirmed) enrolment is not a factor yet: `totpSecret` alone decides.
  if (user.totpSecret === null) {
    // Step-up was demanded but there is no factor to step up with: refuse rather than ignore it.
    if (user.mfaRequired) {
      return failMfa(
        'mfa_not_enrolled',
        new CutoffError('ERR_MFA_REQUIRED', {
          message: 'This account must complete MFA enrolment before it can log in again.',
        }),
      );
    }
    return ['pwd'];
  }
  if (code === undefined || code === '') return failMfa('totp_missing', new CutoffError('ERR_MFA_REQUIRED'));
  const secret = openTotpSecret(ctx, user.id, user.totpSecret);
  const step = ctx.totp.verify(secret, code, now);
  if (step === null) return failMfa('totp_invalid', new CutoffError('ERR_INVALID_CREDENTIALS'));
  // A code is good once (RFC 6238 section 5.2): one seen over the victim's shoulder, phished or
  // read off a log is useless once the user has logged in with it.
  if (!(await ctx.store.transaction((tx) => tx.users.claimTotpStep(user.id, step))))
    return failMfa('totp_replayed', new CutoffError('ERR_INVALID_CREDENTIALS'));
  return ['pwd', 'otp', 'mfa'];
};
