import type { FastifyPluginCallback, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import type { Guard } from '../guard.js';
import { createAuthorizer, type AuthorizeOutcome, type MiddlewareOptions } from '../http/authorize.js';
import type { AccessTokenClaims } from '../verify/access-token-claims.js';
import { authorizationOf } from './node-http.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Claims of the verified access token; `null` on routes the guard does not cover. */
    cutoff: AccessTokenClaims | null;
  }
}

export type CutoffPreHandler = (
  request: FastifyRequest,
  reply: FastifyReply,
  done: HookHandlerDoneFunction,
) => void;

/**
 * A `preHandler` hook for single routes (`{ preHandler: fastifyPreHandler(guard) }`). Needs the
 * `cutoff` request decorator, which `fastifyGuard` adds.
 */
export const fastifyPreHandler = (guard: Guard, options?: MiddlewareOptions): CutoffPreHandler => {
  const authorize = createAuthorizer(guard, options);
  const finish = (
    request: FastifyRequest,
    reply: FastifyReply,
    done: HookHandlerDoneFunction,
    outcome: AuthorizeOutcome,
  ): void => {
    if (outcome.ok) {
      request.cutoff = outcome.claims;
      done();
      return;
    }
    const { status, headers, body } = outcome.response;
    void reply.code(status).headers(headers).send(body);
  };
  return (request, reply, done) => {
    const outcome = authorize(authorizationOf(request.raw));
    if (outcome instanceof Promise) outcome.then((settled) => finish(request, reply, done, settled), done);
    else finish(request, reply, done, outcome);
  };
};

/**
 * Fastify plugin protecting every route of the context it is registered in; sets
 * `request.cutoff`. Not encapsulated (like fastify-plugin), so it covers its siblings.
 */
export const fastifyGuard = (guard: Guard, options?: MiddlewareOptions): FastifyPluginCallback => {
  const preHandler = fastifyPreHandler(guard, options);
  const plugin: FastifyPluginCallback = (fastify, _options, done) => {
    if (!fastify.hasRequestDecorator('cutoff')) fastify.decorateRequest('cutoff', null);
    fastify.addHook('preHandler', preHandler);
    done();
  };
  // What fastify-plugin sets: register into the parent context instead of a child one.
  Object.assign(plugin, {
    [Symbol.for('skip-override')]: true,
    [Symbol.for('fastify.display-name')]: 'cutoff-guard',
  });
  return plugin;
};
