import {
  listResponse,
  parseListQuery,
  parseSearchRequest,
  type ListQuery,
} from '../../../domain/scim/list-query.js';
import { parseAttributeList, type Projection } from '../../../domain/scim/projection.js';
import type { JsonObject } from '../../../domain/scim/json.js';
import type { RequestContext } from '../../../use-cases/context.js';
import type { ScimPage } from '../../../use-cases/scim/list-scim-users.js';
import type { WriteOptions } from '../../../use-cases/scim/scim-resources.js';
import type { FastifyTypebox } from '../../fastify-typebox.js';
import {
  IdParams,
  ListQuerystring,
  ProjectionQuerystring,
  ScimBody,
  resourceHeaders,
  scimRequestContext,
  tags,
  writeOptions,
} from './scim-http.js';

/** What differs between /Users and /Groups; the HTTP shape of the endpoints is the same. */
export interface ScimResource<R extends { readonly id: string; readonly updatedAt: Date }> {
  readonly path: '/Users' | '/Groups';
  readonly summaries: {
    readonly list: string;
    readonly search: string;
    readonly create: string;
    readonly get: string;
    readonly replace: string;
    readonly patch: string;
    readonly delete: string;
  };
  readonly list: (query: ListQuery) => Promise<ScimPage<R>>;
  readonly get: (id: string) => Promise<R>;
  readonly create: (body: unknown, context: RequestContext) => Promise<R>;
  readonly replace: (id: string, body: unknown, options: WriteOptions, context: RequestContext) => Promise<R>;
  readonly patch: (id: string, body: unknown, options: WriteOptions, context: RequestContext) => Promise<R>;
  readonly delete: (id: string, options: WriteOptions, context: RequestContext) => Promise<unknown>;
  readonly present: (records: readonly R[], projection: Projection) => Promise<JsonObject[]>;
}

const projectionOf = (query: { attributes?: string; excludedAttributes?: string }): Projection => ({
  attributes: parseAttributeList(query.attributes, 'attributes'),
  excludedAttributes: parseAttributeList(query.excludedAttributes, 'excludedAttributes'),
});

/** List, search, create, get, replace, PATCH and delete for one SCIM resource type (RFC 7644 3). */
export const scimResourceRoutes = <R extends { readonly id: string; readonly updatedAt: Date }>(
  scope: FastifyTypebox,
  baseUrl: string,
  resource: ScimResource<R>,
): void => {
  const { path, summaries } = resource;
  // Stable operation ids: listScimUsers, createScimUser, ... (docs/api.md).
  const plural = `Scim${path.slice(1)}`;
  const singular = plural.slice(0, -1);
  const location = (record: R): string => `${baseUrl}${path}/${record.id}`;
  const presentOne = async (record: R, projection: Projection) =>
    (await resource.present([record], projection))[0];
  const list = async (query: ListQuery) => {
    const page = await resource.list(query);
    return listResponse(
      page.totalResults,
      page.startIndex,
      await resource.present(page.items, query.projection),
    );
  };
  const itemSchema = { tags, params: IdParams, querystring: ProjectionQuerystring } as const;

  scope.get(
    path,
    { schema: { tags, operationId: `list${plural}`, summary: summaries.list, querystring: ListQuerystring } },
    async (request) => list(parseListQuery(request.query)),
  );
  scope.post(
    `${path}/.search`,
    { schema: { tags, operationId: `search${plural}`, summary: summaries.search, body: ScimBody } },
    async (request) => list(parseSearchRequest(request.body)),
  );
  scope.post(
    path,
    {
      schema: {
        tags,
        operationId: `create${singular}`,
        summary: summaries.create,
        querystring: ProjectionQuerystring,
        body: ScimBody,
      },
    },
    async (request, reply) => {
      const record = await resource.create(request.body, scimRequestContext(request));
      const body = await presentOne(record, projectionOf(request.query));
      return resourceHeaders(reply, location(record), record.updatedAt).status(201).send(body);
    },
  );
  scope.get(
    `${path}/:id`,
    { schema: { ...itemSchema, operationId: `get${singular}`, summary: summaries.get } },
    async (request, reply) => {
      const record = await resource.get(request.params.id);
      const body = await presentOne(record, projectionOf(request.query));
      return resourceHeaders(reply, location(record), record.updatedAt).send(body);
    },
  );
  for (const method of ['put', 'patch'] as const) {
    const change = method === 'put' ? resource.replace : resource.patch;
    scope[method](
      `${path}/:id`,
      {
        schema: {
          ...itemSchema,
          operationId: `${method === 'put' ? 'replace' : 'patch'}${singular}`,
          summary: method === 'put' ? summaries.replace : summaries.patch,
          body: ScimBody,
        },
      },
      async (request, reply) => {
        const record = await change(
          request.params.id,
          request.body,
          writeOptions(request),
          scimRequestContext(request),
        );
        const body = await presentOne(record, projectionOf(request.query));
        return resourceHeaders(reply, location(record), record.updatedAt).send(body);
      },
    );
  }
  scope.delete(
    `${path}/:id`,
    { schema: { tags, operationId: `delete${singular}`, summary: summaries.delete, params: IdParams } },
    async (request, reply) => {
      await resource.delete(request.params.id, writeOptions(request), scimRequestContext(request));
      return reply.status(204).send();
    },
  );
};
