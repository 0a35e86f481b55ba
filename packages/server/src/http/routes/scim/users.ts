import { createScimUser } from '../../../use-cases/scim/create-scim-user.js';
import { deleteScimUser } from '../../../use-cases/scim/delete-scim-user.js';
import { getScimUser, listScimUsers } from '../../../use-cases/scim/list-scim-users.js';
import { patchScimUser } from '../../../use-cases/scim/patch-scim-user.js';
import { replaceScimUser } from '../../../use-cases/scim/replace-scim-user.js';
import { scimBaseUrl } from '../../../use-cases/scim/scim-resources.js';
import { presentUsers } from '../../../use-cases/scim/user-resource.js';
import type { FastifyTypebox } from '../../fastify-typebox.js';
import { scimUserIdParam } from '../../id-params.js';
import type { RouteDeps } from '../../route-deps.js';
import { scimResourceRoutes } from './resource-routes.js';

export const scimUserRoutes = (scope: FastifyTypebox, deps: RouteDeps): void => {
  const { ctx } = deps;
  const baseUrl = scimBaseUrl(deps.config);
  scimResourceRoutes(scope, baseUrl, {
    path: '/Users',
    summaries: {
      list: 'List or filter users (filter, startIndex, count, sortBy, attributes).',
      search: 'Search users with a SearchRequest body.',
      create: 'Create a user (409 uniqueness on a taken userName).',
      get: 'Get a user.',
      replace: "Replace a user. active=false, a new password or a removed role cut the user's sessions off.",
      patch: "PATCH a user (RFC 7644 3.5.2). active=false or a removed role cut the user's sessions off.",
      delete: 'Delete a user: revokes them (reason offboarding), then deletes the account and its sessions.',
    },
    list: (query) => listScimUsers(ctx, query),
    get: (id) => getScimUser(ctx, scimUserIdParam(id)),
    create: (body, context) => createScimUser(ctx, body, context),
    replace: async (id, body, options, context) =>
      (await replaceScimUser(ctx, scimUserIdParam(id), body, options, context)).user,
    patch: async (id, body, options, context) =>
      (await patchScimUser(ctx, scimUserIdParam(id), body, options, context)).user,
    delete: (id, options, context) => deleteScimUser(ctx, scimUserIdParam(id), options, context),
    present: (users, projection) => ctx.store.read((r) => presentUsers(users, projection, r.groups, baseUrl)),
  });
};
