import type { GroupRecord } from '../../../domain/records.js';
import {
  listResponse,
  parseListQuery,
  parseSearchRequest,
  type ListQuery,
} from '../../../domain/scim/list-query.js';
import { parseAttributeList, type Projection } from '../../../domain/scim/projection.js';
import { createScimGroup } from '../../../use-cases/scim/create-scim-group.js';
import { deleteScimGroup } from '../../../use-cases/scim/delete-scim-group.js';
import { presentGroups } from '../../../use-cases/scim/group-resource.js';
import { getScimGroup, listScimGroups } from '../../../use-cases/scim/list-scim-groups.js';
import { patchScimGroup } from '../../../use-cases/scim/patch-scim-group.js';
import { replaceScimGroup } from '../../../use-cases/scim/replace-scim-group.js';
import { scimBaseUrl } from '../../../use-cases/scim/scim-resources.js';
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

export const scimGroupRoutes = (scope: FastifyTypebox, deps: RouteDeps): void => {
  const { ctx } = deps;
  const baseUrl = scimBaseUrl(deps.config);
  const present = async (group: GroupRecord, projection: Projection) =>
    (await presentGroups([group], projection, ctx.store, baseUrl))[0];
  const location = (group: GroupRecord): string => `${baseUrl}/Groups/${group.id}`;

  const list = async (query: ListQuery) => {
    const page = await listScimGroups(ctx, query);
    const resources = await presentGroups(page.items, query.projection, ctx.store, baseUrl);
    return listResponse(page.totalResults, page.startIndex, resources);
  };

  scope.get(
    '/Groups',
    {
      schema: {
        tags,
        summary: 'List or filter groups (filter, startIndex, count, sortBy, attributes).',
        querystring: ListQuerystring,
      },
    },
    async (request) => list(parseListQuery(request.query)),
  );

  scope.post(
    '/Groups/.search',
    { schema: { tags, summary: 'Search groups with a SearchRequest body.', body: ScimBody } },
    async (request) => list(parseSearchRequest(request.body)),
  );

  scope.post(
    '/Groups',
    {
      schema: {
        tags,
        summary: 'Create a group named after its displayName (409 uniqueness on a taken name).',
        querystring: ProjectionQuerystring,
        body: ScimBody,
      },
    },
    async (request, reply) => {
      const group = await createScimGroup(ctx, request.body, scimRequestContext(request));
      const resource = await present(group, projectionOf(request.query));
      return resourceHeaders(reply, location(group), group.updatedAt).status(201).send(resource);
    },
  );

  scope.get(
    '/Groups/:id',
    {
      schema: {
        tags,
        summary: 'Get a group (excludedAttributes=members skips the members).',
        params: IdParams,
        querystring: ProjectionQuerystring,
      },
    },
    async (request, reply) => {
      const group = await getScimGroup(ctx, request.params.id);
      const resource = await present(group, projectionOf(request.query));
      return resourceHeaders(reply, location(group), group.updatedAt).send(resource);
    },
  );

  scope.put(
    '/Groups/:id',
    {
      schema: {
        tags,
        summary: 'Replace a group. Members left out of members are removed and their sessions cut off.',
        params: IdParams,
        querystring: ProjectionQuerystring,
        body: ScimBody,
      },
    },
    async (request, reply) => {
      const { group } = await replaceScimGroup(
        ctx,
        request.params.id,
        request.body,
        writeOptions(request),
        scimRequestContext(request),
      );
      const resource = await present(group, projectionOf(request.query));
      return resourceHeaders(reply, location(group), group.updatedAt).send(resource);
    },
  );

  scope.patch(
    '/Groups/:id',
    {
      schema: {
        tags,
        summary:
          "PATCH a group (RFC 7644 3.5.2). Removed members' sessions are cut off (reason role_change).",
        params: IdParams,
        querystring: ProjectionQuerystring,
        body: ScimBody,
      },
    },
    async (request, reply) => {
      const { group } = await patchScimGroup(
        ctx,
        request.params.id,
        request.body,
        writeOptions(request),
        scimRequestContext(request),
      );
      const resource = await present(group, projectionOf(request.query));
      return resourceHeaders(reply, location(group), group.updatedAt).send(resource);
    },
  );

  scope.delete(
    '/Groups/:id',
    {
      schema: {
        tags,
        summary: 'Delete a group: revokes it (reason role_change), then deletes it and every membership.',
        params: IdParams,
      },
    },
    async (request, reply) => {
      await deleteScimGroup(ctx, request.params.id, writeOptions(request), scimRequestContext(request));
      return reply.status(204).send();
    },
  );
};
