import type { FastifyRequest } from 'fastify';

/**
 * The URL as logs may show it: the path and the names of the query parameters, never their
 * values. A careless client puts a refresh token, a password or a key in a query string; a log
 * line is read by many more people than the store.
 */
export const loggableUrl = (url: string): string => {
  const mark = url.indexOf('?');
  if (mark === -1) return url;
  const names = new URLSearchParams(url.slice(mark + 1)).keys();
  const unique = [...new Set(names)].map((name) => encodeURIComponent(name));
  return unique.length === 0 ? url.slice(0, mark) : `${url.slice(0, mark)}?${unique.join('&')}`;
};

/** pino's `req` serializer: what Fastify's default logs, with the URL made loggable. */
export const serializeRequest = (
  request: FastifyRequest,
): Readonly<Record<string, string | number | undefined>> => ({
  method: request.method,
  url: loggableUrl(request.url),
  host: request.host,
  remoteAddress: request.ip,
  // The socket can be gone by the time a late line is written.
  remotePort: (request.socket as { readonly remotePort?: number } | undefined)?.remotePort,
});
