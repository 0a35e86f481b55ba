/**
 * The SCIM attributes Cutoff supports (RFC 7643), with the metadata the filter evaluator, the
 * PATCH applier and attribute projection read, and that `/Schemas` publishes.
 */

export const SCHEMA = {
  user: 'urn:ietf:params:scim:schemas:core:2.0:User',
  group: 'urn:ietf:params:scim:schemas:core:2.0:Group',
  enterpriseUser: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User',
  listResponse: 'urn:ietf:params:scim:api:messages:2.0:ListResponse',
  patchOp: 'urn:ietf:params:scim:api:messages:2.0:PatchOp',
  searchRequest: 'urn:ietf:params:scim:api:messages:2.0:SearchRequest',
  serviceProviderConfig: 'urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig',
  resourceType: 'urn:ietf:params:scim:schemas:core:2.0:ResourceType',
  schema: 'urn:ietf:params:scim:schemas:core:2.0:Schema',
} as const;

export type AttributeType =
  'string' | 'boolean' | 'decimal' | 'integer' | 'dateTime' | 'reference' | 'complex';
export type Mutability = 'readOnly' | 'readWrite' | 'immutable' | 'writeOnly';
export type Returned = 'always' | 'never' | 'default' | 'request';

export interface AttributeDefinition {
  readonly name: string;
  readonly type: AttributeType;
  readonly multiValued: boolean;
  readonly description: string;
  readonly required: boolean;
  readonly caseExact: boolean;
  readonly mutability: Mutability;
  readonly returned: Returned;
  readonly uniqueness: 'none' | 'server' | 'global';
  readonly subAttributes?: readonly AttributeDefinition[];
  readonly referenceTypes?: readonly string[];
  readonly canonicalValues?: readonly string[];
}

export interface ResourceSchema {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly attributes: readonly AttributeDefinition[];
}

export interface ResourceTypeDefinition {
  readonly name: 'User' | 'Group';
  readonly endpoint: '/Users' | '/Groups';
  readonly description: string;
  readonly schema: ResourceSchema;
}

type Options = Partial<Omit<AttributeDefinition, 'name' | 'type' | 'description'>>;

const attribute = (
  name: string,
  type: AttributeType,
  description: string,
  options: Options = {},
): AttributeDefinition => ({
  name,
  type,
  description,
  multiValued: false,
  required: false,
  caseExact: false,
  mutability: 'readWrite',
  returned: 'default',
  uniqueness: 'none',
  ...options,
});

/** Attributes every resource has (RFC 7643 section 3.1); not part of a schema's `attributes`. */
export const COMMON_ATTRIBUTES: readonly AttributeDefinition[] = [
  attribute('id', 'string', 'Unique identifier assigned by Cutoff.', {
    caseExact: true,
    mutability: 'readOnly',
    returned: 'always',
    uniqueness: 'server',
  }),
  attribute('externalId', 'string', "The identity provider's identifier for the resource.", {
    caseExact: true,
  }),
  attribute('meta', 'complex', 'Resource metadata.', {
    mutability: 'readOnly',
    subAttributes: [
      attribute('resourceType', 'string', 'User or Group.', { caseExact: true, mutability: 'readOnly' }),
      attribute('created', 'dateTime', 'When the resource was created.', { mutability: 'readOnly' }),
      attribute('lastModified', 'dateTime', 'When the resource last changed.', { mutability: 'readOnly' }),
      attribute('location', 'reference', 'The URI of the resource.', {
        caseExact: true,
        mutability: 'readOnly',
        referenceTypes: ['uri'],
      }),
      attribute('version', 'string', 'Weak entity tag of the resource.', {
        caseExact: true,
        mutability: 'readOnly',
      }),
    ],
  }),
];

/** A multi-valued complex attribute whose entries have a `value` (emails, roles). */
const multiValuedEntry = (
  valueDescription: string,
  caseExact: boolean,
  extra: readonly AttributeDefinition[],
): Options => ({
  multiValued: true,
  subAttributes: [attribute('value', 'string', valueDescription, { caseExact }), ...extra],
});

export const USER_SCHEMA: ResourceSchema = {
  id: SCHEMA.user,
  name: 'User',
  description: 'A Cutoff user account.',
  attributes: [
    attribute(
      'userName',
      'string',
      'Login name; unique regardless of letter case (compared case-insensitively, stored and shown as created).',
      {
        required: true,
        caseExact: false,
        uniqueness: 'server',
      },
    ),
    attribute('name', 'complex', "The user's name.", {
      subAttributes: [
        attribute('formatted', 'string', 'Given and family name (derived).', { mutability: 'readOnly' }),
        attribute('givenName', 'string', 'Given (first) name.'),
        attribute('familyName', 'string', 'Family (last) name.'),
      ],
    }),
    attribute('displayName', 'string', 'Name shown to people.'),
    attribute('active', 'boolean', 'false cuts every session of the user off (reason offboarding).'),
    attribute('password', 'string', 'Set on create, replace or PATCH; never returned.', {
      mutability: 'writeOnly',
      returned: 'never',
    }),
    attribute(
      'emails',
      'complex',
      'Email addresses; Cutoff keeps one (the primary, else the work, else the first).',
      multiValuedEntry('The email address.', false, [
        attribute('type', 'string', 'work, home or other.', { canonicalValues: ['work', 'home', 'other'] }),
        attribute('primary', 'boolean', 'The primary address.'),
        attribute('display', 'string', 'Display value.'),
      ]),
    ),
    attribute(
      'roles',
      'complex',
      "Roles carried in the user's tokens; removing one cuts the user's sessions off (reason role_change).",
      multiValuedEntry('The role name (case-sensitive).', true, [
        attribute('display', 'string', 'Display value.'),
        attribute('type', 'string', 'Role type.'),
        attribute('primary', 'boolean', 'The primary role.'),
      ]),
    ),
    attribute('groups', 'complex', 'Groups the user is a member of (managed through /Groups).', {
      multiValued: true,
      mutability: 'readOnly',
      subAttributes: [
        attribute('value', 'string', 'The group id.', { caseExact: true, mutability: 'readOnly' }),
        attribute('$ref', 'reference', 'The group URI.', {
          caseExact: true,
          mutability: 'readOnly',
          referenceTypes: ['Group'],
        }),
        attribute('display', 'string', 'The group display name.', { mutability: 'readOnly' }),
        attribute('type', 'string', 'direct.', { mutability: 'readOnly', canonicalValues: ['direct'] }),
      ],
    }),
  ],
};

export const GROUP_SCHEMA: ResourceSchema = {
  id: SCHEMA.group,
  name: 'Group',
  description: 'A group; tokens of its members carry its name in `groups`.',
  attributes: [
    attribute(
      'displayName',
      'string',
      'Group name; also the name tokens carry (whitespace becomes "-"). Changing it renames the group.',
      { required: true, uniqueness: 'server' },
    ),
    attribute(
      'members',
      'complex',
      "Members; removing one cuts that user's sessions off (reason role_change).",
      {
        multiValued: true,
        subAttributes: [
          attribute('value', 'string', 'The user id.', { caseExact: true, mutability: 'immutable' }),
          attribute('$ref', 'reference', 'The user URI.', {
            caseExact: true,
            mutability: 'immutable',
            referenceTypes: ['User'],
          }),
          attribute('display', 'string', "The user's userName.", { mutability: 'readOnly' }),
          attribute('type', 'string', 'User (nested groups are not supported).', {
            mutability: 'immutable',
            canonicalValues: ['User'],
          }),
        ],
      },
    ),
  ],
};

export const USER_RESOURCE: ResourceTypeDefinition = {
  name: 'User',
  endpoint: '/Users',
  description: 'User account',
  schema: USER_SCHEMA,
};

export const GROUP_RESOURCE: ResourceTypeDefinition = {
  name: 'Group',
  endpoint: '/Groups',
  description: 'Group',
  schema: GROUP_SCHEMA,
};

export const RESOURCE_TYPES: readonly ResourceTypeDefinition[] = [USER_RESOURCE, GROUP_RESOURCE];

const lower = (value: string): string => value.toLowerCase();

/** A top-level attribute of the resource type (common attributes included), by name, case-insensitively. */
export const findAttribute = (
  resourceType: ResourceTypeDefinition,
  name: string,
): AttributeDefinition | undefined => {
  const wanted = lower(name);
  return (
    resourceType.schema.attributes.find((candidate) => lower(candidate.name) === wanted) ??
    COMMON_ATTRIBUTES.find((candidate) => lower(candidate.name) === wanted)
  );
};

export const findSubAttribute = (
  parent: AttributeDefinition,
  name: string,
): AttributeDefinition | undefined => {
  const wanted = lower(name);
  return parent.subAttributes?.find((candidate) => lower(candidate.name) === wanted);
};

/**
 * What an attribute Cutoff does not store looks like to the evaluator and the PATCH applier
 * (e.g. `addresses` or an enterprise extension attribute an identity provider sends): accepted,
 * compared case-insensitively, and dropped when the resource is stored.
 */
export const unknownAttribute = (name: string, multiValued = false): AttributeDefinition =>
  attribute(name, 'string', 'Not stored by Cutoff.', { multiValued });

export const isSchemaUri = (value: string, schema: string): boolean => lower(value) === lower(schema);
