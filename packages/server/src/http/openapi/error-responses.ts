import type { FastifySchema, RouteOptions } from 'fastify';

const DESCRIPTIONS: Readonly<Record<string, string>> = {
  '400': 'The body, query or path does not match the schema (`ERR_VALIDATION`, one message per bad field).',
  '401': 'No or an unknown credential (`ERR_UNAUTHENTICATED`).',
  '403': 'The API key lacks the scope this call needs (`ERR_FORBIDDEN`).',
  '404': 'No such resource (`ERR_NOT_FOUND`).',
  '409': 'The resource exists already, or its state does not allow this (`ERR_CONFLICT`).',
  '413': 'The body is larger than this endpoint takes (`ERR_PAYLOAD_TOO_LARGE`).',
  '415': 'The body is in a content type this endpoint does not take (`ERR_UNSUPPORTED_MEDIA_TYPE`).',
  '429': 'Too many attempts; `Retry-After` says when to try again (`ERR_RATE_LIMITED`).',
  '503': 'The store cannot be reached; nothing was changed, retry (`ERR_STORE_UNAVAILABLE`).',
};

type Responses = Record<string, unknown>;

/** Errors are JSON even where the operation's success is not (the SSE stream, metrics). */
const errorResponse = (id: string, description: unknown) => ({
  description,
  content: { 'application/json': { schema: { $ref: `${id}#` } } },
});

/**
 * The error responses every operation can really return, added to the description (and only the
 * description: response schemas would also filter what is sent): 401/403 where a credential is
 * required, 400 where input is validated, 404 where the path names a resource, 413/415 where a
 * body is read, 503 where the store is read. Routes declare the others (409, 429, ...) themselves.
 */
export const withErrorResponses = ({
  schema,
  url,
  route,
}: {
  readonly schema: FastifySchema;
  readonly url: string;
  readonly route: RouteOptions;
}): { schema: FastifySchema; url: string } => {
  // Global Token Revocation answers Cutoff's shape, not RFC 6749's (error-handler.ts).
  const oauth = url.startsWith('/oauth/') && url !== '/oauth/global-token-revocation';
  const errorId = oauth ? 'OAuthError' : url.startsWith('/scim/') ? 'ScimError' : 'Error';
  const declared = (schema.response ?? {}) as Responses;
  const responses: Responses = Object.fromEntries(
    Object.entries(declared).map(([status, response]) => {
      // A shared schema (`ErrorBody`, `$id: 'Error'`) becomes a reference to its component, with
      // the standard words for its status unless the route has its own.
      const { $id, description } = (response ?? {}) as { $id?: unknown; description?: unknown };
      if (typeof $id !== 'string') return [status, response];
      return [status, errorResponse($id, description ?? DESCRIPTIONS[status] ?? 'Error.')];
    }),
  );
  const add = (status: string): void => {
    if (responses[status] === undefined) responses[status] = errorResponse(errorId, DESCRIPTIONS[status]);
  };
  const security = (schema as { security?: readonly Readonly<Record<string, unknown>>[] }).security;
  const authenticated = security === undefined || security.length > 0;
  // Scopes belong to API keys: only an operation that takes one can answer 403.
  const scoped = security === undefined || security.some((requirement) => 'apiKey' in requirement);
  const validated =
    schema.body !== undefined || schema.querystring !== undefined || schema.params !== undefined;
  const hasBody = schema.body !== undefined || ['POST', 'PUT', 'PATCH'].includes(String(route.method));
  if (validated) add('400');
  if (authenticated) add('401');
  if (scoped) add('403');
  if (schema.params !== undefined) add('404');
  if (hasBody) {
    add('413');
    add('415');
  }
  if (authenticated || url.startsWith('/v1/')) add('503');
  if (!Object.keys(responses).some((status) => status.startsWith('2'))) {
    // Routes that send their own body (SCIM resources, streams, metrics) name no response schema,
    // since one would also filter what they send; the description still says what success is.
    const method = String(route.method);
    const created = method === 'POST' && /\/(Users|Groups)$/.test(url);
    const status = method === 'DELETE' ? '204' : created ? '201' : '200';
    responses[status] = {
      type: 'null',
      description: status === '204' ? 'Done; no body.' : created ? 'Created.' : 'Success.',
    };
  }
  return { schema: { ...schema, response: responses }, url };
};
