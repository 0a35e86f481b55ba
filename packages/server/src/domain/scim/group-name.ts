import { NAME_PATTERN } from '../claims.js';
import { ScimError } from './scim-error.js';

/** Ids of SCIM groups (`GroupRecord.id`): `grp_…`. */
export const GROUP_ID_PREFIX = 'grp';

const NAME = new RegExp(NAME_PATTERN);

/**
 * The group name tokens carry for a SCIM `displayName`. A display name that is already a valid
 * name is used as is; otherwise whitespace runs become `-`, other characters a name cannot hold
 * are dropped, and leading punctuation is trimmed ("Sales Team (EU)" -> "Sales-Team-EU").
 */
export const groupNameFor = (displayName: string): string => {
  const trimmed = displayName.trim();
  if (NAME.test(trimmed)) return trimmed;
  const name = trimmed
    .replace(/\s+/g, '-')
    .replace(/[^A-Za-z0-9._:@/-]/g, '')
    .replace(/-{2,}/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '')
    .replace(/-+$/, '')
    .slice(0, 128);
  if (!NAME.test(name)) {
    throw ScimError.badRequest(
      'invalidValue',
      'The group displayName must contain a letter or digit (it becomes the group name tokens carry).',
    );
  }
  return name;
};
