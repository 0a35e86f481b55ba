import type { TestServer } from './test-server.js';

/** One operation of the server's own `/openapi.json`. */
export interface Operation {
  readonly method: string;
  /** OpenAPI form: `/v1/users/{id}`. */
  readonly path: string;
  readonly pathParams: readonly string[];
  readonly queryParams: readonly { readonly name: string; readonly schema: Record<string, unknown> }[];
  /** The content types of its request body; empty without one. */
  readonly contentTypes: readonly string[];
  /** Its body schema (first content type), if any. */
  readonly bodySchema: Record<string, unknown> | undefined;
  /** False when the operation declares `security: []`. */
  readonly authenticated: boolean;
  /** Resolves a `$ref` of the document (nested schemas may be references). */
  readonly resolve: (schema: Record<string, unknown> | undefined) => Record<string, unknown> | undefined;
}

type Schema = Record<string, unknown>;

/** Follows local `$ref`s (`#/components/schemas/Name`) so callers see the schema itself. */
const resolver =
  (document: { components?: { schemas?: Record<string, Schema> } }) =>
  (schema: Schema | undefined): Schema | undefined => {
    let current = schema;
    for (let hops = 0; hops < 10 && typeof current?.['$ref'] === 'string'; hops += 1) {
      const name = current['$ref'].replace('#/components/schemas/', '');
      current = document.components?.schemas?.[name];
    }
    return current;
  };

interface OpenApiOperation {
  readonly security?: readonly unknown[];
  readonly parameters?: readonly { in: string; name: string; schema?: Record<string, unknown> }[];
  readonly requestBody?: { content: Record<string, { schema?: Record<string, unknown> }> };
}

/** Every operation the server documents, read from a running server with its admin key. */
export const openApiOperations = async (t: TestServer): Promise<readonly Operation[]> => {
  const response = await t.api('GET', '/openapi.json');
  if (response.status !== 200) throw new Error(`/openapi.json answered ${response.status}`);
  const document = response.body as {
    security?: readonly unknown[];
    components?: { schemas?: Record<string, Schema> };
    paths: Record<string, Record<string, OpenApiOperation>>;
  };
  const resolve = resolver(document);
  const operations: Operation[] = [];
  for (const [path, byMethod] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(byMethod)) {
      const parameters = operation.parameters ?? [];
      const content = operation.requestBody?.content ?? {};
      const contentTypes = Object.keys(content);
      operations.push({
        method: method.toUpperCase(),
        path,
        pathParams: parameters.filter((p) => p.in === 'path').map((p) => p.name),
        queryParams: parameters
          .filter((p) => p.in === 'query')
          .map((p) => ({ name: p.name, schema: p.schema ?? {} })),
        contentTypes,
        bodySchema: contentTypes[0] === undefined ? undefined : resolve(content[contentTypes[0]]?.schema),
        resolve,
        // An empty requirement (`{}`) among the alternatives makes credentials optional.
        authenticated: ((security) =>
          security.length > 0 && !security.some((r) => Object.keys(r as object).length === 0))(
          operation.security ?? document.security ?? [],
        ),
      });
    }
  }
  return operations;
};

/** The path with every parameter replaced (each value URL-encoded as given). */
export const fillPath = (operation: Operation, value: (name: string) => string): string =>
  operation.path.replace(/\{([^}]+)\}/g, (_match, name: string) => value(name));
