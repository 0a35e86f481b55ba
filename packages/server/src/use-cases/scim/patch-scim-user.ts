import type { UserId } from '../../domain/ids.js';
import { applyPatch, parsePatchRequest } from '../../domain/scim/patch.js';
import { USER_RESOURCE } from '../../domain/scim/resource-schemas.js';
import type { RequestContext, UseCaseContext } from '../context.js';
import { changeScimUser, type ScimUserChange } from './change-scim-user.js';
import { scimBaseUrl, type WriteOptions } from './scim-resources.js';
import { parseUserResource, renderUser } from './user-resource.js';

/**
 * PATCH /Users/{id} (RFC 7644 section 3.5.2): the operations apply to the user as a SCIM
 * resource, and the result is stored like a complete replacement. Deactivation, a new password
 * or a removed role cut the user's sessions off, as with PUT.
 */
export const patchScimUser = async (
  ctx: UseCaseContext,
  id: UserId,
  body: unknown,
  options: WriteOptions,
  requestContext: RequestContext,
): Promise<ScimUserChange> => {
  const operations = parsePatchRequest(body);
  const baseUrl = scimBaseUrl(ctx.config);
  return changeScimUser(
    ctx,
    id,
    // `groups` is read-only and not stored through the user, so it is left out of the resource.
    (before) =>
      parseUserResource(
        applyPatch(renderUser(before, undefined, baseUrl), operations, USER_RESOURCE),
        'clear',
      ),
    options,
    requestContext,
  );
};
