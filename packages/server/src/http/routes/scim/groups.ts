import { createScimGroup } from '../../../use-cases/scim/create-scim-group.js';
import { deleteScimGroup } from '../../../use-cases/scim/delete-scim-group.js';
import { presentGroups } from '../../../use-cases/scim/group-resource.js';
import { getScimGroup, listScimGroups } from '../../../use-cases/scim/list-scim-groups.js';
import { patchScimGroup } from '../../../use-cases/scim/patch-scim-group.js';
import { replaceScimGroup } from '../../../use-cases/scim/replace-scim-group.js';
import { scimBaseUrl } from '../../../use-cases/scim/scim-resources.js';
import type { FastifyTypebox } from '../../fastify-typebox.js';
import type { RouteDeps } from '../../route-deps.js';
import { scimResourceRoutes } from './resource-routes.js';

export const scimGroupRoutes = (scope: FastifyTypebox, deps: RouteDeps): void => {
  const { ctx } = deps;
  const baseUrl = scimBaseUrl(deps.config);
  scimResourceRoutes(scope, baseUrl, {
    path: '/Groups',
    summaries: {
      list: 'List or filter groups (filter, startIndex, count, sortBy, attributes).',
      search: 'Search groups with a SearchRequest body.',
      create: 'Create a group named after its displayName (409 uniqueness on a taken name).',
      get: 'Get a group (excludedAttributes=members skips the members).',
      replace: 'Replace a group. Members left out of members are removed and their sessions cut off.',
      patch: "PATCH a group (RFC 7644 3.5.2). Removed members' sessions are cut off (reason role_change).",
      delete: 'Delete a group: revokes it (reason role_change), then deletes it and every membership.',
    },
    list: (query) => listScimGroups(ctx, query),
    get: (id) => getScimGroup(ctx, id),
    create: (body, context) => createScimGroup(ctx, body, context),
    replace: async (id, body, options, context) =>
      (await replaceScimGroup(ctx, id, body, options, context)).group,
    patch: async (id, body, options, context) =>
      (await patchScimGroup(ctx, id, body, options, context)).group,
    delete: (id, options, context) => deleteScimGroup(ctx, id, options, context),
    present: (groups, projection) => ctx.store.read((r) => presentGroups(groups, projection, r, baseUrl)),
  });
};
