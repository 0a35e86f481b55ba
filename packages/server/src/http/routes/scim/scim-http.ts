import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { ScimError, scimErrorBody, type ScimErrorType } from '../../../domain/scim/scim-error.js';
import type { RequestContext } from '../../../use-cases/context.js';
import { versionOf, type WriteOptions } from '../../../use-cases/scim/scim-resources.js';
import { errorHandler } from '../../error-handler.js';
import { methodsAllowedInstead } from '../../route-table.js';
import type { FastifyTypebox } from '../../fastify-typebox.js';
import { requestContext } from '../../request-context.js';
import { principalOf, requireScope, type RouteDeps } from '../../route-deps.js';

export const SCIM_CONTENT_TYPE = 'application/scim+json; charset=utf-8';
/** Group PUTs carry every member; 1 MiB holds about 25,000 of them. */
const SCIM_BODY_LIMIT = 1024 * 1024;

export const tags = ['scim'];

/** Query parameters of reads (RFC 7644 sections 3.4.2 and 3.9). */
export const ListQuerystring = Type.Object({
  // Its length is checked with the filter (400 invalidFilter).
  filter: Type.Optional(Type.String()),
  startIndex: Type.Optional(Type.String({ maxLength: 20 })),
  count: Type.Optional(Type.String({ maxLength: 20 })),
  sortBy: Type.Optional(Type.String({ maxLength: 512 })),
  sortOrder: Type.Optional(Type.String({ maxLength: 20 })),
  attributes: Type.Optional(Type.String({ maxLength: 4096 })),
  excludedAttributes: Type.Optional(Type.String({ maxLength: 4096 })),
});

export const ProjectionQuerystring = Type.Object({
  attributes: Type.Optional(Type.String({ maxLength: 4096 })),
  excludedAttributes: Type.Optional(Type.String({ maxLength: 4096 })),
});

export const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 128 }) });

/** SCIM bodies are checked by the SCIM domain code (RFC 7644 errors), not by the schema. */
export const ScimBody = Type.Object({}, { additionalProperties: true, description: 'A SCIM JSON object.' });

/** Who changed what: the SCIM client (its API key id, or `admin` for the configured admin key). */
export const scimRequestContext = (request: FastifyRequest): RequestContext => {
  const principal = principalOf(request);
  return requestContext(request, {
    type: 'scim',
    id: principal.actor.type === 'admin' ? 'admin' : principal.actor.id,
  });
};

export const writeOptions = (request: FastifyRequest): WriteOptions => {
  const ifMatch = request.headers['if-match'];
  return { ifMatch: typeof ifMatch === 'string' ? ifMatch : undefined };
};

export const sendScimError = (
  reply: FastifyReply,
  status: number,
  scimType: ScimErrorType | undefined,
  detail: string,
): FastifyReply =>
  reply
    .status(status)
    .type(SCIM_CONTENT_TYPE)
    .send(scimErrorBody(status, scimType, detail));

/** Cutoff error codes as SCIM clients understand them. */
const SCIM_TYPE_BY_CODE: Readonly<Record<string, ScimErrorType>> = {
  ERR_VALIDATION: 'invalidSyntax',
  ERR_CONFLICT: 'uniqueness',
};

interface CutoffErrorBody {
  readonly code: string;
  readonly message: string;
}

const asCutoffErrorBody = (payload: string): CutoffErrorBody | undefined => {
  try {
    const parsed: unknown = JSON.parse(payload);
    if (typeof parsed !== 'object' || parsed === null) return undefined;
    const { code, message } = parsed as Record<string, unknown>;
    return typeof code === 'string' && code.startsWith('ERR_') && typeof message === 'string'
      ? { code, message }
      : undefined;
  } catch {
    return undefined;
  }
};

/**
 * Sets the SCIM plumbing up in the SCIM plugin's own encapsulated context: bearer API keys with
 * the `scim` (or `admin`) scope, `application/scim+json` bodies (and plain JSON; an empty body is
 * no body), RFC 7644 error bodies for every error (Cutoff's errors included: a 5xx keeps its
 * generic message), and `content-type: application/scim+json` on every response.
 */
export const configureScimContext = (scope: FastifyTypebox, deps: RouteDeps): void => {
  scope.addHook('onRequest', requireScope(deps, 'scim'));

  scope.removeContentTypeParser('application/json');
  const parseJson = scope.getDefaultJsonParser('error', 'error');
  scope.addContentTypeParser(
    ['application/scim+json', 'application/json'],
    { parseAs: 'string', bodyLimit: SCIM_BODY_LIMIT },
    (request, body, done) => {
      const text = typeof body === 'string' ? body : body.toString('utf8');
      if (text.trim() === '') {
        done(null, undefined);
        return;
      }
      void parseJson(request, text, done);
    },
  );

  scope.setErrorHandler((error, request, reply) => {
    if (error instanceof ScimError) return sendScimError(reply, error.status, error.scimType, error.message);
    const code = (error as { code?: unknown }).code;
    if (code === 'FST_ERR_CTP_INVALID_JSON_BODY' || error instanceof SyntaxError) {
      return sendScimError(reply, 400, 'invalidSyntax', 'The request body is not valid JSON.');
    }
    if (code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return sendScimError(
        reply,
        413,
        undefined,
        `The request body is larger than ${SCIM_BODY_LIMIT} bytes.`,
      );
    }
    // Everything else gets Cutoff's handling (logging, 5xx without detail), rewritten in onSend.
    return errorHandler(error, request, reply);
  });

  scope.setNotFoundHandler((request, reply) => {
    const allowed = methodsAllowedInstead(scope.routeTable, request);
    if (allowed === undefined) return sendScimError(reply, 404, undefined, 'No such SCIM endpoint.');
    void reply.header('allow', allowed.join(', '));
    return sendScimError(
      reply,
      405,
      undefined,
      `This endpoint does not take ${request.method}; it takes ${allowed.join(', ')}.`,
    );
  });

  scope.addHook('onSend', (_request, reply, payload, done) => {
    if (reply.statusCode === 204 || payload === null || payload === undefined) {
      done(null, payload);
      return;
    }
    void reply.header('content-type', SCIM_CONTENT_TYPE);
    if (reply.statusCode >= 400 && typeof payload === 'string') {
      const cutoff = asCutoffErrorBody(payload);
      if (cutoff !== undefined) {
        done(
          null,
          JSON.stringify(scimErrorBody(reply.statusCode, SCIM_TYPE_BY_CODE[cutoff.code], cutoff.message)),
        );
        return;
      }
    }
    done(null, payload);
  });
};

/** `Location` and `ETag` of a resource (set from the record: a projection may drop `meta`). */
export const resourceHeaders = (reply: FastifyReply, location: string, updatedAt: Date): FastifyReply =>
  reply.header('location', location).header('etag', versionOf(updatedAt));
