import type { TestServer } from '../support/test-server.js';

export interface ScimResponse<T = any> {
  readonly status: number;
  readonly body: T;
  readonly headers: Headers;
}

export type ScimCall = <T = any>(
  method: string,
  path: string,
  body?: unknown,
  headers?: Record<string, string>,
) => Promise<ScimResponse<T>>;

export const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const ENTERPRISE_USER = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';

/** Requests to /scim/v2 as an identity provider sends them: `application/scim+json`, a bearer key. */
export const scimClient =
  (t: TestServer, key: string | null = t.adminKey): ScimCall =>
  async (method, path, body, headers = {}) => {
    const response = await fetch(`${t.url}/scim/v2${path}`, {
      method,
      headers: {
        accept: 'application/scim+json',
        ...(key !== null && { authorization: `Bearer ${key}` }),
        ...(body !== undefined && { 'content-type': 'application/scim+json; charset=utf-8' }),
        ...headers,
      },
      ...(body !== undefined && { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const text = await response.text();
    let parsed: unknown = null;
    if (text !== '') {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = text;
      }
    }
    return { status: response.status, body: parsed as any, headers: response.headers };
  };

export const patchOp = (...operations: unknown[]) => ({ schemas: [PATCH_OP], Operations: operations });

/** A scoped API key with its id (the SCIM actor in audit events). */
export const createKey = async (t: TestServer, scopes: string[]): Promise<{ id: string; key: string }> => {
  const response = await t.api('POST', '/v1/api-keys', { name: `scim-test-${scopes.join('-')}`, scopes });
  if (response.status !== 201) throw new Error(`api key: ${response.status}`);
  return { id: response.body.id, key: response.body.key };
};

export const filterQuery = (filter: string): string => `filter=${encodeURIComponent(filter)}`;
