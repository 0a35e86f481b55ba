import { CutoffError } from '../domain/errors.js';
import {
  parseApiKeyId,
  parseClientId,
  parseUserId,
  type ApiKeyId,
  type ClientId,
  type UserId,
} from '../domain/ids.js';
import { ScimError } from '../domain/scim/scim-error.js';

/*
 * Path ids are parsed at the edge: an id of the wrong kind (`/v1/users/ses_…`) names nothing, so
 * it gets the same 404 and message as an unknown id of the right kind, without a query.
 */

export const userIdParam = (raw: string): UserId => {
  const id = parseUserId(raw);
  if (id === undefined) throw new CutoffError('ERR_NOT_FOUND', { message: 'No user with that id.' });
  return id;
};

export const apiKeyIdParam = (raw: string): ApiKeyId => {
  const id = parseApiKeyId(raw);
  if (id === undefined) throw new CutoffError('ERR_NOT_FOUND', { message: 'No API key with that id.' });
  return id;
};

export const clientIdParam = (raw: string): ClientId => {
  const id = parseClientId(raw);
  if (id === undefined) throw new CutoffError('ERR_NOT_FOUND', { message: 'No client with that id.' });
  return id;
};

/** The SCIM flavour: a SCIM error body (RFC 7644 3.12), as `userNotFound()` in the use-cases. */
export const scimUserIdParam = (raw: string): UserId => {
  const id = parseUserId(raw);
  if (id === undefined) throw ScimError.notFound('No user with that id.');
  return id;
};
