import { applyPatch, parsePatchRequest } from '../../domain/scim/patch.js';
import { GROUP_RESOURCE } from '../../domain/scim/resource-schemas.js';
import type { RequestContext, UseCaseContext } from '../context.js';
import { changeScimGroup, type ScimGroupChange } from './change-scim-group.js';
import { parseGroupResource, renderGroup } from './group-resource.js';
import { scimBaseUrl, type WriteOptions } from './scim-resources.js';

/**
 * PATCH /Groups/{id} (RFC 7644 section 3.5.2), e.g. Okta's `add`/`remove` of `members` and
 * `members[value eq "id"]`, Microsoft Entra's `Add`/`Remove` with `value: [{value: id}]`, and
 * displayName replacements. Removed members are revoked (reason `role_change`).
 */
export const patchScimGroup = async (
  ctx: UseCaseContext,
  id: string,
  body: unknown,
  options: WriteOptions,
  requestContext: RequestContext,
): Promise<ScimGroupChange> => {
  const operations = parsePatchRequest(body);
  const baseUrl = scimBaseUrl(ctx.config);
  return changeScimGroup(
    ctx,
    id,
    (before, memberIds) =>
      parseGroupResource(
        applyPatch(
          renderGroup(
            before,
            memberIds.map((member) => ({ id: member })),
            baseUrl,
          ),
          operations,
          GROUP_RESOURCE,
        ),
        'clear',
      ),
    options,
    requestContext,
  );
};
