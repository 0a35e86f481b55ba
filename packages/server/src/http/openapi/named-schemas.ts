/**
 * Gives the schemas of /openapi.json names: every schema with a `title` (`UserBody` has
 * `title: 'User'`) moves to `components.schemas` under that title and is referenced from where it
 * was. Generated code then gets a `User` type, not `def-0` or an anonymous inline one. Done on the
 * document only: the schemas Fastify validates and serializes with are not touched.
 */
type Json = unknown;

const isObject = (value: Json): value is Record<string, Json> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export const hoistNamedSchemas = <D extends object>(document: D): D => {
  const existing = (document as { components?: { schemas?: Record<string, Json> } }).components;
  const components: Record<string, Json> = { ...(existing?.schemas ?? {}) };
  const seen = new Map<string, string>(
    Object.entries(components).map(([name, schema]) => [name, JSON.stringify(schema)]),
  );
  const visit = (value: Json, inComponent: string | undefined): Json => {
    if (Array.isArray(value)) return value.map((item) => visit(item, inComponent));
    if (!isObject(value)) return value;
    const walked = Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, visit(item, inComponent)]),
    );
    const title = walked.title;
    if (typeof title !== 'string' || !/^[A-Z][A-Za-z0-9]*$/.test(title) || title === inComponent)
      return walked;
    const text = JSON.stringify(walked);
    const known = seen.get(title);
    // Two different shapes under one title stay inline rather than one overwriting the other.
    if (known !== undefined && known !== text) return walked;
    seen.set(title, text);
    components[title] = walked;
    return { $ref: `#/components/schemas/${title}` };
  };
  const paths = visit((document as { paths?: Json }).paths, undefined);
  for (const [name, schema] of Object.entries(components)) components[name] = visit(schema, name);
  return { ...document, paths, components: { ...existing, schemas: components } };
};
