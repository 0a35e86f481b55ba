import type { FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import { CutoffError } from '../domain/errors.js';

/**
 * The methods each registered path takes, so a known path called with another method answers
 * 405 with `Allow` instead of 404. It reveals only the route table, which /openapi.json publishes.
 */
export interface RouteTable {
  /** For `app.addHook('onRoute', ...)`, before any route is added. */
  readonly onRoute: (route: RouteOptions) => void;
  /** The methods `path` takes (sorted), or none when no route has this path. */
  readonly allowed: (path: string) => readonly string[];
}

const escape = (text: string): string => text.replace(/[.+?^${}()|[\]\\]/g, '\\$&');

/** find-my-way patterns: `:name` is one segment, `*` the rest of the path. */
const toRegExp = (pattern: string): RegExp =>
  new RegExp(
    `^${pattern
      .split('/')
      .map((segment) => (segment.startsWith(':') ? '[^/]+' : segment === '*' ? '.*' : escape(segment)))
      .join('/')}/?$`,
  );

declare module 'fastify' {
  interface FastifyInstance {
    /** Decorated in build-app, for not-found handlers of scopes with their own error format (SCIM). */
    readonly routeTable: RouteTable;
  }
}

export const createRouteTable = (): RouteTable => {
  const methodsByPattern = new Map<string, Set<string>>();
  const matchers: { readonly pattern: string; readonly regexp: RegExp }[] = [];
  return {
    onRoute: (route) => {
      let methods = methodsByPattern.get(route.url);
      if (methods === undefined) {
        methods = new Set();
        methodsByPattern.set(route.url, methods);
        matchers.push({ pattern: route.url, regexp: toRegExp(route.url) });
      }
      for (const method of [route.method].flat()) methods.add(method);
    },
    allowed: (path) => {
      const methods = new Set<string>();
      for (const { pattern, regexp } of matchers)
        if (regexp.test(path)) for (const method of methodsByPattern.get(pattern) ?? []) methods.add(method);
      return [...methods].sort();
    },
  };
};

/** The methods a known path takes when the request's method is not one of them, else undefined. */
export const methodsAllowedInstead = (
  table: RouteTable,
  request: FastifyRequest,
): readonly string[] | undefined => {
  const allowed = table.allowed(request.url.split('?', 1)[0] ?? '');
  return allowed.length > 0 && !allowed.includes(request.method) ? allowed : undefined;
};

/** The not-found handler: 405 with `Allow` for a known path, else the JSON 404. */
export const notFoundOrMethodNotAllowed =
  (table: RouteTable) =>
  (request: FastifyRequest, reply: FastifyReply): never => {
    const allowed = methodsAllowedInstead(table, request);
    if (allowed !== undefined) {
      void reply.header('allow', allowed.join(', '));
      throw new CutoffError('ERR_METHOD_NOT_ALLOWED', {
        message: `This path does not take ${request.method}; it takes ${allowed.join(', ')}.`,
      });
    }
    throw new CutoffError('ERR_NOT_FOUND', { message: 'No such route.' });
  };
