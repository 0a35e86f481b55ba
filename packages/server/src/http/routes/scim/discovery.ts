import { Type } from 'typebox';
import { listResponse, MAX_COUNT } from '../../../domain/scim/list-query.js';
import {
  RESOURCE_TYPES,
  SCHEMA,
  type ResourceTypeDefinition,
} from '../../../domain/scim/resource-schemas.js';
import { ScimError } from '../../../domain/scim/scim-error.js';
import { scimBaseUrl } from '../../../use-cases/scim/scim-resources.js';
import type { FastifyTypebox } from '../../fastify-typebox.js';
import type { RouteDeps } from '../../route-deps.js';
import { tags } from './scim-http.js';

const NameParams = Type.Object({ name: Type.String({ minLength: 1, maxLength: 256 }) });

/** Discovery (RFC 7644 section 4): what this service provider supports. */
export const scimDiscoveryRoutes = (scope: FastifyTypebox, deps: RouteDeps): void => {
  const baseUrl = scimBaseUrl(deps.config);

  const serviceProviderConfig = {
    schemas: [SCHEMA.serviceProviderConfig],
    patch: { supported: true },
    bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
    filter: { supported: true, maxResults: MAX_COUNT },
    changePassword: { supported: true },
    sort: { supported: true },
    etag: { supported: true },
    authenticationSchemes: [
      {
        type: 'oauthbearertoken',
        name: 'Bearer API key',
        description: 'A Cutoff API key with the scim scope, sent as "Authorization: Bearer <key>".',
        primary: true,
      },
    ],
    meta: { resourceType: 'ServiceProviderConfig', location: `${baseUrl}/ServiceProviderConfig` },
  };

  const resourceType = (definition: ResourceTypeDefinition) => ({
    schemas: [SCHEMA.resourceType],
    id: definition.name,
    name: definition.name,
    endpoint: definition.endpoint,
    description: definition.description,
    schema: definition.schema.id,
    schemaExtensions: [],
    meta: { resourceType: 'ResourceType', location: `${baseUrl}/ResourceTypes/${definition.name}` },
  });

  const schema = (definition: ResourceTypeDefinition) => ({
    schemas: [SCHEMA.schema],
    id: definition.schema.id,
    name: definition.schema.name,
    description: definition.schema.description,
    attributes: definition.schema.attributes,
    meta: { resourceType: 'Schema', location: `${baseUrl}/Schemas/${definition.schema.id}` },
  });

  scope.get(
    '/ServiceProviderConfig',
    {
      schema: {
        operationId: 'getScimServiceProviderConfig',
        tags,
        summary: 'What this SCIM service provider supports.',
      },
    },
    () => serviceProviderConfig,
  );

  scope.get(
    '/ResourceTypes',
    {
      schema: { operationId: 'listScimResourceTypes', tags, summary: 'The resource types: User and Group.' },
    },
    () => listResponse(RESOURCE_TYPES.length, 1, RESOURCE_TYPES.map(resourceType)),
  );

  scope.get(
    '/ResourceTypes/:name',
    {
      schema: { operationId: 'getScimResourceType', tags, summary: 'One resource type.', params: NameParams },
    },
    (request) => {
      const found = RESOURCE_TYPES.find((definition) => definition.name === request.params.name);
      if (found === undefined) throw ScimError.notFound('No such resource type.');
      return resourceType(found);
    },
  );

  scope.get(
    '/Schemas',
    { schema: { operationId: 'listScimSchemas', tags, summary: 'The attributes Cutoff supports.' } },
    () => listResponse(RESOURCE_TYPES.length, 1, RESOURCE_TYPES.map(schema)),
  );

  scope.get(
    '/Schemas/:name',
    { schema: { operationId: 'getScimSchema', tags, summary: 'One schema.', params: NameParams } },
    (request) => {
      const found = RESOURCE_TYPES.find(
        (definition) => definition.schema.id.toLowerCase() === request.params.name.toLowerCase(),
      );
      if (found === undefined) throw ScimError.notFound('No such schema.');
      return schema(found);
    },
  );
};
