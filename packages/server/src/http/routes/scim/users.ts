import type { UserId } from '../../../domain/ids.js';
import type { UserRecord } from '../../../domain/records.js';
import {
  listResponse,
  parseListQuery,
  parseSearchRequest,
  type ListQuery,
} from '../../../domain/scim/list-query.js';
import { parseAttributeList, type Projection } from '../../../domain/scim/projection.js';
import { createScimUser } from '../../../use-cases/scim/create-scim-user.js';
import { deleteScimUser } from '../../../use-cases/scim/delete-scim-user.js';
import { getScimUser, listScimUsers } from '../../../use-cases/scim/list-scim-users.js';
import { patchScimUser } from '../../../use-cases/scim/patch-scim-user.js';
import { replaceScimUser } from '../../../use-cases/scim/replace-scim-user.js';
import { scimBaseUrl } from '../../../use-cases/scim/scim-resources.js';
import { presentUsers } from '../../../use-cases/scim/user-resource.js';
import type { FastifyTypebox } from '../../fastify-typebox.js';
import type { RouteDeps } from '../../route-deps.js';
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

const projectionOf = (query: { attributes?: string; excludedAttributes?: string }): Projection => ({
  attributes: parseAttributeList(query.attributes, 'attributes'),
  excludedAttributes: parseAttributeList(query.excludedAttributes, 'excludedAttributes'),
});

export const scimUserRoutes = (scope: FastifyTypebox, deps: RouteDeps): void => {
  const { ctx } = deps;
  const baseUrl = scimBaseUrl(deps.config);
  const present = async (user: UserRecord, projection: Projection) =>
    (await presentUsers([user], projection, ctx.store.groups, baseUrl))[0];
  const location = (user: UserRecord): string => `${baseUrl}/Users/${user.id}`;

  const list = async (query: ListQuery) => {
    const page = await listScimUsers(ctx, query);
    const resources = await presentUsers(page.items, query.projection, ctx.store.groups, baseUrl);
    return listResponse(page.totalResults, page.startIndex, resources);
  };

  scope.get(
    '/Users',
    {
      schema: {
        tags,
        summary: 'List or filter users (filter, startIndex, count, sortBy, attributes).',
        querystring: ListQuerystring,
      },
    },
    async (request) => list(parseListQuery(request.query)),
  );

  scope.post(
    '/Users/.search',
    { schema: { tags, summary: 'Search users with a SearchRequest body.', body: ScimBody } },
    async (request) => list(parseSearchRequest(request.body)),
  );

  scope.post(
    '/Users',
    {
      schema: {
        tags,
        summary: 'Create a user (409 uniqueness on a taken userName).',
        querystring: ProjectionQuerystring,
        body: ScimBody,
      },
    },
    async (request, reply) => {
      const user = await createScimUser(ctx, request.body, scimRequestContext(request));
      const resource = await present(user, projectionOf(request.query));
      return resourceHeaders(reply, location(user), user.updatedAt).status(201).send(resource);
    },
  );

  scope.get(
    '/Users/:id',
    { schema: { tags, summary: 'Get a user.', params: IdParams, querystring: ProjectionQuerystring } },
    async (request, reply) => {
      const user = await getScimUser(ctx, request.params.id as UserId);
      const resource = await present(user, projectionOf(request.query));
      return resourceHeaders(reply, location(user), user.updatedAt).send(resource);
    },
  );

  scope.put(
    '/Users/:id',
    {
      schema: {
        tags,
        summary:
          "Replace a user. active=false, a new password or a removed role cut the user's sessions off.",
        params: IdParams,
        querystring: ProjectionQuerystring,
        body: ScimBody,
      },
    },
    async (request, reply) => {
      const { user } = await replaceScimUser(
        ctx,
        request.params.id as UserId,
        request.body,
        writeOptions(request),
        scimRequestContext(request),
      );
      const resource = await present(user, projectionOf(request.query));
      return resourceHeaders(reply, location(user), user.updatedAt).send(resource);
    },
  );

  scope.patch(
    '/Users/:id',
    {
      schema: {
        tags,
        summary: "PATCH a user (RFC 7644 3.5.2). active=false or a removed role cut the user's sessions off.",
        params: IdParams,
        querystring: ProjectionQuerystring,
        body: ScimBody,
      },
    },
    async (request, reply) => {
      const { user } = await patchScimUser(
        ctx,
        request.params.id as UserId,
        request.body,
        writeOptions(request),
        scimRequestContext(request),
      );
      const resource = await present(user, projectionOf(request.query));
      return resourceHeaders(reply, location(user), user.updatedAt).send(resource);
    },
  );

  scope.delete(
    '/Users/:id',
    {
      schema: {
        tags,
        summary:
          'Delete a user: revokes them (reason offboarding), then deletes the account and its sessions.',
        params: IdParams,
      },
    },
    async (request, reply) => {
      await deleteScimUser(
        ctx,
        request.params.id as UserId,
        writeOptions(request),
        scimRequestContext(request),
      );
      return reply.status(204).send();
    },
  );
};
