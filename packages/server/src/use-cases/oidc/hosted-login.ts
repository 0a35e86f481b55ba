import { CutoffError } from '../../domain/errors.js';
import type { AuthorizationRequest, LoginAttemptRecord } from '../../domain/oidc-records.js';
import { SECRET_PREFIX, hashSecret, randomSecret, secretsEqual } from '../../lib/secrets.js';
import {
  DEFAULT_CLIENT_ID,
  openSession,
  resumeVerifiedPassword,
  verifyPassword,
  type VerifiedPassword,
} from '../auth/login.js';
import type { RequestContext, UseCaseContext } from '../context.js';
import type { SessionId, UserId } from '../../domain/ids.js';
import { auditEvent } from '../audit/audit-event.js';
import { authorizationResponseUrl } from './authorization-request.js';
import { startBrowserSession } from './browser-session.js';
import { canonicalScope } from './consent-grants.js';
import { continueAuthorization } from './continue-authorization.js';
import { issueAuthorizationCode } from './issue-authorization-code.js';

/** Long enough to type a password and find the phone; a stale tab must start again. */
export const LOGIN_ATTEMPT_TTL_SECONDS = 600;

/** What the login routes render or do next. */
export type LoginStep =
  /** No (live) attempt behind the pre-login cookie: the app must start the sign-in again. */
  | { readonly kind: 'expired' }
  /** The CSRF token is missing or not this attempt's: 403, nothing was checked. */
  | { readonly kind: 'forbidden' }
  | {
      readonly kind: 'form';
      readonly step: 'password' | 'totp' | 'consent';
      readonly csrf: string;
      /** The consent page's subject: who asks, for what. */
      readonly consent?: ConsentRequest;
      /** Set when the form follows a completed sign-in: the new SSO cookie. */
      readonly ssoCookie?: string;
      readonly status: number;
      readonly error?: string;
      /** The JSON login's error (`invalid_credentials`, ...) for the same outcome: the metric's label. */
      readonly code?: string;
      readonly username?: string;
    }
  /** Finished: set the SSO cookie (when one was opened), clear the pre-login one, send the browser on. */
  | { readonly kind: 'done'; readonly ssoCookie: string | undefined; readonly location: string };

export interface ConsentRequest {
  readonly clientName: string;
  readonly scopes: readonly string[];
}

const attemptHash = (cookie: string | undefined): string | undefined =>
  cookie === undefined || !cookie.startsWith(SECRET_PREFIX.loginAttempt) || cookie.length > 200
    ? undefined
    : hashSecret(cookie);

/**
 * A new attempt for `request`; returns the pre-login cookie's value. `stage` starts it past the
 * password: at the TOTP step (`userId`, a step-up for `acr_values`) or at the consent page.
 */
export const startLoginAttempt = async (
  ctx: Pick<UseCaseContext, 'store' | 'clock'>,
  request: AuthorizationRequest,
  stage: { readonly userId?: UserId; readonly consentSessionId?: SessionId } = {},
): Promise<string> => {
  const cookie = randomSecret(SECRET_PREFIX.loginAttempt);
  await ctx.store.transaction((tx) =>
    tx.oidc.insertLoginAttempt({
      idHash: hashSecret(cookie),
      // Unusable until a page is rendered with a token of its own.
      csrfHash: hashSecret(randomSecret(SECRET_PREFIX.csrfToken)),
      request,
      userId: stage.userId ?? null,
      consentSessionId: stage.consentSessionId ?? null,
      expiresAt: new Date(ctx.clock.now().getTime() + LOGIN_ATTEMPT_TTL_SECONDS * 1000),
    }),
  );
  return cookie;
};

/** A fresh synchronizer token for the next form of this attempt (the previous one stops working). */
const rotateCsrf = async (
  ctx: Pick<UseCaseContext, 'store'>,
  attempt: LoginAttemptRecord,
): Promise<string> => {
  const csrf = randomSecret(SECRET_PREFIX.csrfToken);
  await ctx.store.transaction((tx) =>
    tx.oidc.updateLoginAttempt(attempt.idHash, { csrfHash: hashSecret(csrf) }),
  );
  return csrf;
};

const findAttempt = async (
  ctx: Pick<UseCaseContext, 'store' | 'clock'>,
  cookie: string | undefined,
): Promise<LoginAttemptRecord | undefined> => {
  const idHash = attemptHash(cookie);
  return idHash === undefined
    ? undefined
    : ctx.store.read((r) => r.oidc.findLoginAttempt(idHash, ctx.clock.now()));
};

/** What the consent page shows for the attempt's request; undefined if the client is gone. */
const consentRequestOf = async (
  ctx: Pick<UseCaseContext, 'clients'>,
  attempt: LoginAttemptRecord,
): Promise<ConsentRequest | undefined> => {
  const client = await ctx.clients.find(attempt.request.clientId);
  return client === undefined
    ? undefined
    : { clientName: client.name, scopes: attempt.request.scope.split(' ').filter(Boolean) };
};

/** `GET /login`: the form for the attempt's current step. */
export const showLoginPage = async (
  ctx: Pick<UseCaseContext, 'store' | 'clock' | 'clients'>,
  cookie: string | undefined,
): Promise<LoginStep> => {
  const attempt = await findAttempt(ctx, cookie);
  if (attempt === undefined) return { kind: 'expired' };
  if (attempt.consentSessionId !== null) {
    const consent = await consentRequestOf(ctx, attempt);
    if (consent === undefined) return { kind: 'expired' };
    return { kind: 'form', step: 'consent', consent, csrf: await rotateCsrf(ctx, attempt), status: 200 };
  }
  return {
    kind: 'form',
    step: attempt.userId === null ? 'password' : 'totp',
    csrf: await rotateCsrf(ctx, attempt),
    status: 200,
  };
};

/** The attempt, if the form's token is its current one (constant-time comparison of hashes). */
const checkedAttempt = async (
  ctx: Pick<UseCaseContext, 'store' | 'clock'>,
  cookie: string | undefined,
  csrf: string | undefined,
): Promise<LoginAttemptRecord | LoginStep> => {
  const attempt = await findAttempt(ctx, cookie);
  if (attempt === undefined) return { kind: 'expired' };
  if (csrf === undefined || csrf === '' || !secretsEqual(hashSecret(csrf), attempt.csrfHash))
    return { kind: 'forbidden' };
  return attempt;
};

const isStep = (value: LoginAttemptRecord | LoginStep): value is LoginStep => 'kind' in value;

/** What a failed login shows: the JSON login's errors in words, with the same status. */
const failedStep = async (
  ctx: Pick<UseCaseContext, 'store'>,
  attempt: LoginAttemptRecord,
  step: 'password' | 'totp',
  error: unknown,
  username?: string,
): Promise<LoginStep> => {
  if (!(error instanceof CutoffError)) throw error;
  const message =
    error.code === 'ERR_RATE_LIMITED'
      ? 'Too many failed attempts. Wait a few minutes, then try again.'
      : error.code === 'ERR_INVALID_CREDENTIALS'
        ? step === 'password'
          ? 'Wrong username or password.'
          : 'Wrong or already used code.'
        : error.message;
  return {
    kind: 'form',
    step,
    csrf: await rotateCsrf(ctx, attempt),
    status: error.status,
    error: message,
    code: error.error,
    ...(username !== undefined && { username }),
  };
};

/** Opens the SSO session and answers the authorization request the attempt carries. */
const finish = async (
  ctx: UseCaseContext,
  attempt: LoginAttemptRecord,
  verified: VerifiedPassword,
  totp: string | undefined,
  requestContext: RequestContext,
): Promise<LoginStep> => {
  const { session } = await openSession(ctx, verified, totp, requestContext, {
    withRefreshToken: false,
    trigger: 'sso',
  });
  const ssoCookie = await startBrowserSession(ctx, session);
  const client = await ctx.clients.find(attempt.request.clientId);
  if (client === undefined) return { kind: 'expired' };
  const live = { session, user: verified.user };
  const next = await continueAuthorization(ctx, {
    request: attempt.request,
    client,
    live,
    promptNone: false,
  });
  if (next.kind === 'consent') {
    await ctx.store.transaction((tx) =>
      tx.oidc.updateLoginAttempt(attempt.idHash, {
        userId: verified.user.id,
        consentSessionId: session.id,
      }),
    );
    return {
      kind: 'form',
      step: 'consent',
      consent: { clientName: client.name, scopes: attempt.request.scope.split(' ').filter(Boolean) },
      csrf: await rotateCsrf(ctx, attempt),
      status: 200,
      ssoCookie,
    };
  }
  await ctx.store.transaction((tx) => tx.oidc.deleteLoginAttempt(attempt.idHash));
  // 'mfa' cannot follow a login: a user with TOTP always passed the TOTP step, one without is an 'error'.
  const location =
    next.kind === 'mfa' ? await issueAuthorizationCode(ctx, attempt.request, live) : next.location;
  return { kind: 'done', ssoCookie, location };
};

/**
 * `POST /login/consent`: Allow is remembered for the user, the client and these scopes (added to
 * what was allowed before) and answers with the code; Deny answers `access_denied` (RFC 6749
 * 4.1.2.1) with state and iss. Either way the attempt is over.
 */
export const submitConsent = async (
  ctx: UseCaseContext,
  input: {
    readonly cookie: string | undefined;
    readonly csrf: string | undefined;
    readonly decision: string | undefined;
  },
  requestContext: RequestContext,
): Promise<LoginStep> => {
  const attempt = await checkedAttempt(ctx, input.cookie, input.csrf);
  if (isStep(attempt)) return attempt;
  const { consentSessionId } = attempt;
  if (consentSessionId === null || (input.decision !== 'allow' && input.decision !== 'deny'))
    return { kind: 'forbidden' };
  const { request } = attempt;
  // The SSO session that reached the page must still be live: a cutoff meanwhile ends the attempt.
  const found = await ctx.store.read((r) => r.sessions.findWithUser(consentSessionId));
  const now = ctx.clock.now();
  if (
    found === undefined ||
    found.session.status !== 'active' ||
    found.session.idleExpiresAt <= now ||
    found.session.absoluteExpiresAt <= now ||
    !found.user.active
  ) {
    await ctx.store.transaction((tx) => tx.oidc.deleteLoginAttempt(attempt.idHash));
    return { kind: 'expired' };
  }
  await ctx.store.transaction((tx) => tx.oidc.deleteLoginAttempt(attempt.idHash));
  const actor = { actor: { type: 'user' as const, id: found.user.id }, request: requestContext.request };
  if (input.decision === 'deny') {
    await ctx.store.transaction((tx) =>
      tx.audit.append(
        auditEvent(actor, now, {
          action: 'consent.denied',
          target: { type: 'client', id: request.clientId },
          details: { user_id: found.user.id, scope: request.scope },
        }),
      ),
    );
    return {
      kind: 'done',
      ssoCookie: undefined,
      location: authorizationResponseUrl(request.redirectUri, ctx.config.issuer, {
        error: 'access_denied',
        error_description: 'The user denied the request.',
        state: request.state,
      }),
    };
  }
  await ctx.store.transaction(async (tx) => {
    const previous = await tx.oidc.findConsentGrant(found.user.id, request.clientId);
    const scope = canonicalScope(`${previous?.scope ?? ''} ${request.scope}`);
    await tx.oidc.saveConsentGrant({
      userId: found.user.id,
      clientId: request.clientId,
      scope,
      createdAt: now,
    });
    await tx.audit.append(
      auditEvent(actor, now, {
        action: 'consent.granted',
        target: { type: 'client', id: request.clientId },
        details: { user_id: found.user.id, scope },
      }),
    );
  });
  return { kind: 'done', ssoCookie: undefined, location: await issueAuthorizationCode(ctx, request, found) };
};

/** `POST /login`: the password step (the JSON login's use-case: same limits, same audit events). */
export const submitPassword = async (
  ctx: UseCaseContext,
  input: {
    readonly cookie: string | undefined;
    readonly csrf: string | undefined;
    readonly username: string;
    readonly password: string;
  },
  requestContext: RequestContext,
): Promise<LoginStep> => {
  const attempt = await checkedAttempt(ctx, input.cookie, input.csrf);
  if (isStep(attempt)) return attempt;
  let verified: VerifiedPassword;
  try {
    verified = await verifyPassword(
      ctx,
      { username: input.username, password: input.password, clientId: DEFAULT_CLIENT_ID },
      requestContext,
    );
  } catch (error) {
    return failedStep(ctx, attempt, 'password', error, input.username);
  }
  if (verified.user.totpSecret !== null) {
    // Counted and audited as the JSON login counts a password without its code (login.mfa_failed,
    // totp_missing), so the TOTP page cannot serve as an unthrottled password oracle.
    await openSession(ctx, verified, undefined, requestContext).catch((error: unknown) => {
      if (!(error instanceof CutoffError && error.code === 'ERR_MFA_REQUIRED')) throw error;
    });
    await ctx.store.transaction((tx) =>
      tx.oidc.updateLoginAttempt(attempt.idHash, { userId: verified.user.id }),
    );
    return {
      kind: 'form',
      step: 'totp',
      csrf: await rotateCsrf(ctx, attempt),
      status: 200,
      code: 'mfa_required',
    };
  }
  try {
    return await finish(ctx, attempt, verified, undefined, requestContext);
  } catch (error) {
    return failedStep(ctx, attempt, 'password', error, input.username);
  }
};

/** `POST /login/totp`: the code, for the user whose password this attempt verified. */
export const submitTotp = async (
  ctx: UseCaseContext,
  input: { readonly cookie: string | undefined; readonly csrf: string | undefined; readonly code: string },
  requestContext: RequestContext,
): Promise<LoginStep> => {
  const attempt = await checkedAttempt(ctx, input.cookie, input.csrf);
  if (isStep(attempt)) return attempt;
  if (attempt.userId === null) return { kind: 'forbidden' };
  try {
    const verified = await resumeVerifiedPassword(
      ctx,
      { userId: attempt.userId, clientId: DEFAULT_CLIENT_ID },
      requestContext,
    );
    return await finish(ctx, attempt, verified, input.code, requestContext);
  } catch (error) {
    return failedStep(ctx, attempt, 'totp', error);
  }
};
