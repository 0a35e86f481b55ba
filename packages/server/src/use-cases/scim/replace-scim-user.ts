import type { UserId } from '../../domain/ids.js';
import type { RequestContext, UseCaseContext } from '../context.js';
import { changeScimUser, type ScimUserChange } from './change-scim-user.js';
import type { WriteOptions } from './scim-resources.js';
import { parseUserResource } from './user-resource.js';

/**
 * PUT /Users/{id}. `active: false` cuts the user's sessions off (reason `offboarding`), as does a
 * new password (`credential_change`) or a role left out of an explicit `roles` (`role_change`).
 * Attributes the body leaves out keep their value.
 */
export const replaceScimUser = async (
  ctx: UseCaseContext,
  id: UserId,
  body: unknown,
  options: WriteOptions,
  requestContext: RequestContext,
): Promise<ScimUserChange> => {
  const fields = parseUserResource(body, 'keep');
  return changeScimUser(ctx, id, () => fields, options, requestContext);
};
