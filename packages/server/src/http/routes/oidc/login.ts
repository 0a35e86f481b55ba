import { Type } from 'typebox';
import { sessionCookieMaxAge } from './session-cookie.js';
import {
  showLoginPage,
  submitConsent,
  submitPassword,
  submitTotp,
  type LoginStep,
} from '../../../use-cases/oidc/hosted-login.js';
import type { FastifyTypebox } from '../../fastify-typebox.js';
import { STYLESHEET, STYLESHEET_PATH } from '../../pages/layout.js';
import { consentPage, continuePage, errorPage, passwordPage, totpPage } from '../../pages/login-pages.js';
import { requestContext } from '../../request-context.js';
import type { RouteDeps } from '../../route-deps.js';
import { LOGIN_COOKIE, SSO_COOKIE, clearCookie, readCookie, setCookie } from './cookies.js';
import { sendPage } from './page-reply.js';
import type { FastifyReply } from 'fastify';

const tags = ['oidc'];
const consumes = ['application/x-www-form-urlencoded'];
const PasswordForm = Type.Object({
  csrf: Type.Optional(Type.String({ maxLength: 200 })),
  // Optional: a form sent without a field is a failed login shown on the page, not a JSON 400.
  username: Type.Optional(Type.String({ maxLength: 320 })),
  password: Type.Optional(Type.String({ maxLength: 1024 })),
});
const TotpForm = Type.Object({
  csrf: Type.Optional(Type.String({ maxLength: 200 })),
  code: Type.Optional(Type.String({ maxLength: 16 })),
});

const formPage = (step: Extract<LoginStep, { kind: 'form' }>): string => {
  switch (step.step) {
    case 'password':
      return passwordPage({ csrf: step.csrf, username: step.username, error: step.error });
    case 'totp':
      return totpPage({ csrf: step.csrf, error: step.error });
    case 'consent':
      return consentPage({
        csrf: step.csrf,
        clientName: step.consent?.clientName ?? '',
        scopes: step.consent?.scopes ?? [],
      });
  }
};

const ConsentForm = Type.Object({
  csrf: Type.Optional(Type.String({ maxLength: 200 })),
  decision: Type.Optional(Type.String({ maxLength: 16 })),
});

/** The hosted login: plain server-rendered forms, no script, CSRF-protected, same use-case as the JSON login. */
export const loginRoutes = (app: FastifyTypebox, deps: RouteDeps): void => {
  const { issuer } = deps.config;

  /** The JSON login's counter and labels: `success` or the error code of the same outcome. */
  const countLogin = (step: LoginStep): void => {
    const result =
      step.kind === 'done'
        ? 'success'
        : step.kind === 'form'
          ? (step.code ?? 'form')
          : step.kind === 'forbidden'
            ? 'csrf_refused'
            : 'expired';
    deps.metrics.logins.inc({ result });
  };

  const answer = (reply: FastifyReply, step: LoginStep): FastifyReply => {
    switch (step.kind) {
      case 'expired':
        clearCookie(reply, issuer, LOGIN_COOKIE);
        return sendPage(
          reply,
          400,
          errorPage(
            'Sign-in expired',
            'This sign-in page has expired or was opened without an application. Go back to the application and sign in again.',
          ),
        );
      case 'forbidden':
        return sendPage(
          reply,
          403,
          errorPage(
            'Request refused',
            'The form was not sent by this sign-in page. Reload the page and try again.',
          ),
        );
      case 'form':
        if (step.ssoCookie !== undefined)
          setCookie(reply, issuer, SSO_COOKIE, step.ssoCookie, sessionCookieMaxAge(deps.config));
        return sendPage(reply, step.status, formPage(step));
      case 'done':
        clearCookie(reply, issuer, LOGIN_COOKIE);
        if (step.ssoCookie !== undefined)
          setCookie(reply, issuer, SSO_COOKIE, step.ssoCookie, sessionCookieMaxAge(deps.config));
        return sendPage(reply, 200, continuePage(step.location));
    }
  };

  app.get(STYLESHEET_PATH, { schema: { hide: true } }, (_request, reply) =>
    reply
      .header('content-type', 'text/css; charset=utf-8')
      .header('cache-control', 'public, max-age=3600')
      .send(STYLESHEET),
  );

  app.get(
    '/login',
    {
      schema: {
        tags,
        operationId: 'showLoginPage',
        summary: 'The hosted login page (HTML)',
        description: 'The hosted login page (HTML).',
        security: [],
      },
    },
    async (request, reply) => answer(reply, await showLoginPage(deps.ctx, readCookie(request, LOGIN_COOKIE))),
  );

  app.post(
    '/login',
    {
      schema: {
        tags,
        operationId: 'submitLoginPassword',
        summary: 'Hosted login: the password step (HTML form)',
        consumes,
        body: PasswordForm,
        description: 'The hosted login: password step (HTML form post).',
        security: [],
      },
    },
    async (request, reply) => {
      const step = await submitPassword(
        deps.ctx,
        {
          cookie: readCookie(request, LOGIN_COOKIE),
          csrf: request.body.csrf,
          username: request.body.username ?? '',
          password: request.body.password ?? '',
        },
        requestContext(request, { type: 'user', id: request.body.username ?? '' }),
      );
      countLogin(step);
      return answer(reply, step);
    },
  );

  app.post(
    '/login/totp',
    {
      schema: {
        tags,
        operationId: 'submitLoginTotp',
        summary: 'Hosted login: the TOTP step (HTML form)',
        consumes,
        body: TotpForm,
        description: 'The hosted login: TOTP step (HTML form post).',
        security: [],
      },
    },
    async (request, reply) => {
      const step = await submitTotp(
        deps.ctx,
        { cookie: readCookie(request, LOGIN_COOKIE), csrf: request.body.csrf, code: request.body.code ?? '' },
        requestContext(request, { type: 'user', id: 'unknown' }),
      );
      countLogin(step);
      return answer(reply, step);
    },
  );

  app.post(
    '/login/consent',
    {
      schema: {
        tags,
        operationId: 'submitConsent',
        summary: 'Hosted login: the consent page (HTML form)',
        consumes,
        body: ConsentForm,
        description:
          'The consent page of a client registered with `consent: "required"`: `decision=allow` (remembered for the user, client and scopes) or `decision=deny` (`access_denied` to the redirect URI).',
        security: [],
      },
    },
    async (request, reply) =>
      answer(
        reply,
        await submitConsent(
          deps.ctx,
          {
            cookie: readCookie(request, LOGIN_COOKIE),
            csrf: request.body.csrf,
            decision: request.body.decision,
          },
          requestContext(request, { type: 'user', id: 'unknown' }),
        ),
      ),
  );
};
