import { CutoffError } from '../../domain/errors.js';

/** Opaque keyset-paging cursors: the last id of a page, base64url JSON. */

export const encodeIdCursor = (lastId: string): string =>
  Buffer.from(JSON.stringify({ id: lastId })).toString('base64url');

/** Throws `CutoffError('ERR_VALIDATION')` for a cursor this module did not produce. */
export const decodeIdCursor = (cursor: string, what: string): string => {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (typeof value === 'object' && value !== null && 'id' in value && typeof value.id === 'string') {
      return value.id;
    }
  } catch {
    // reported below
  }
  throw new CutoffError('ERR_VALIDATION', {
    message: 'The cursor is not valid.',
    detail: `undecodable ${what} cursor`,
  });
};
