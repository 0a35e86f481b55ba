import type { RequestContext, UseCaseContext } from '../context.js';
import { changeScimGroup, type ScimGroupChange } from './change-scim-group.js';
import { parseGroupResource } from './group-resource.js';
import type { WriteOptions } from './scim-resources.js';

/**
 * PUT /Groups/{id}: `members` (when given) is the complete membership: members left out are
 * removed and revoked (reason `role_change`). A displayName change renames the group.
 */
export const replaceScimGroup = async (
  ctx: UseCaseContext,
  id: string,
  body: unknown,
  options: WriteOptions,
  requestContext: RequestContext,
): Promise<ScimGroupChange> => {
  const fields = parseGroupResource(body, 'keep');
  return changeScimGroup(ctx, id, () => fields, options, requestContext);
};
