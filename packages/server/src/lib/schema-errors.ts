/**
 * Turns JSON Schema validation errors (Ajv's, for requests, and TypeBox's, for the configuration;
 * both share Ajv's error shape) into one sentence per bad field that says what to send instead:
 * `target.type must be one of session, token, user` rather than one "must be equal to constant"
 * per allowed value followed by "must match a schema in anyOf".
 */
export interface SchemaError {
  readonly keyword: string;
  readonly instancePath: string;
  readonly schemaPath?: string | undefined;
  readonly params: Readonly<Record<string, unknown>>;
  readonly message?: string | undefined;
}

/** Names the value at a JSON pointer (`/target/type`), e.g. `target.type` or `CUTOFF_PORT`. */
export type FieldNamer = (instancePath: string) => string;

const decode = (segment: string): string => segment.replace(/~1/g, '/').replace(/~0/g, '~');

/** `/target/type` -> `target.type`, `/roles/0` -> `roles[0]`, `` -> the root's name. */
export const dottedPath =
  (root: string): FieldNamer =>
  (instancePath) => {
    if (instancePath === '') return root;
    return instancePath
      .split('/')
      .slice(1)
      .map(decode)
      .reduce((path, segment) => {
        if (/^\d+$/.test(segment)) return `${path}[${segment}]`;
        return path === '' ? segment : `${path}.${segment}`;
      }, '');
  };

const child = (instancePath: string, property: string): string =>
  `${instancePath}/${property.replace(/~/g, '~0').replace(/\//g, '~1')}`;

const article = (type: string): string => (/^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`);

const listTypes = (types: unknown): readonly string[] =>
  (Array.isArray(types) ? types : String(types).split(',')).map(String);

const quoteValue = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value));

/** The predicate of one error, without the field name: `must be at least 16 characters`. */
const predicate = (error: SchemaError): string => {
  const { params } = error;
  switch (error.keyword) {
    case 'type':
      return `must be ${listTypes(params.type).map(article).join(' or ')}`;
    case 'enum':
      return `must be one of ${(params.allowedValues as readonly unknown[]).map(quoteValue).join(', ')}`;
    case 'const':
      return `must be ${quoteValue(params.allowedValue)}`;
    case 'minLength':
      return `must be at least ${String(params.limit)} characters`;
    case 'maxLength':
      return `must be at most ${String(params.limit)} characters`;
    case 'minimum':
      return `must be at least ${String(params.limit)}`;
    case 'maximum':
      return `must be at most ${String(params.limit)}`;
    case 'exclusiveMinimum':
      return `must be greater than ${String(params.limit)}`;
    case 'exclusiveMaximum':
      return `must be less than ${String(params.limit)}`;
    case 'minItems':
      return `must have at least ${String(params.limit)} item${params.limit === 1 ? '' : 's'}`;
    case 'maxItems':
      return `must have at most ${String(params.limit)} items`;
    case 'minProperties':
      return `must have at least ${String(params.limit)} field${params.limit === 1 ? '' : 's'}`;
    case 'uniqueItems':
      return 'must not repeat an item';
    case 'format':
      return `must be a valid ${String(params.format)}`;
    case 'pattern':
      return `must match the pattern ${String(params.pattern)}`;
    default:
      return error.message ?? `fails ${error.keyword}`;
  }
};

/** One sentence for the alternatives of an `anyOf` (a union), from its branches' errors. */
const describeUnion = (branches: readonly SchemaError[]): string => {
  if (
    branches.length > 0 &&
    branches.every((error) => error.keyword === 'const' || error.keyword === 'enum')
  ) {
    const allowed = branches.flatMap((error) =>
      error.keyword === 'const' ? [error.params.allowedValue] : (error.params.allowedValues as unknown[]),
    );
    return `must be one of ${allowed.map(quoteValue).join(', ')}`;
  }
  const types = branches.filter((error) => error.keyword === 'type');
  const others = branches.filter((error) => error.keyword !== 'type');
  const first = others[0];
  if (first === undefined) {
    const names = [...new Set(types.flatMap((error) => listTypes(error.params.type)))];
    return names.length === 0 ? 'is not an accepted value' : `must be ${names.map(article).join(' or ')}`;
  }
  const nullable = types.some((error) => listTypes(error.params.type).includes('null'));
  return `${predicate(first)}${nullable ? ', or null' : ''}`;
};

/**
 * One message per bad field, in the order the fields were reported, duplicates dropped. Errors
 * inside a union are folded into the union's one sentence.
 */
export const describeSchemaErrors = (errors: readonly SchemaError[], name: FieldNamer): readonly string[] => {
  // A union's branches fail at the union's own path; the `anyOf` error itself may be cut off
  // when the validator stops at a maximum number of errors, so branches are known by schemaPath.
  const unionPaths = new Set(
    errors
      .filter((error) => error.keyword === 'anyOf' || /\/anyOf\/\d+(\/[^/]+)?$/.test(error.schemaPath ?? ''))
      .map((error) => error.instancePath),
  );
  const additional = new Set(
    errors.filter((error) => error.keyword === 'additionalProperties').map((error) => error.instancePath),
  );
  const messages: string[] = [];
  const add = (message: string): void => {
    if (!messages.includes(message)) messages.push(message);
  };
  for (const error of errors) {
    const { instancePath, params } = error;
    if (unionPaths.has(instancePath)) {
      const branches = errors.filter((e) => e.instancePath === instancePath && e.keyword !== 'anyOf');
      add(`${name(instancePath)} ${describeUnion(branches)}`);
      continue;
    }
    // TypeBox reports an unknown property twice: `false` schema at the property, and at the parent.
    if (error.keyword === 'boolean' && additional.has(instancePath.slice(0, instancePath.lastIndexOf('/'))))
      continue;
    if (error.keyword === 'required') {
      const missing = params.missingProperty ?? params.requiredProperties;
      for (const property of Array.isArray(missing) ? missing : [missing])
        add(`${name(child(instancePath, String(property)))} is required`);
      continue;
    }
    if (error.keyword === 'additionalProperties') {
      const extra = params.additionalProperty ?? params.additionalProperties;
      for (const property of Array.isArray(extra) ? extra : [extra])
        add(`${name(child(instancePath, String(property)))} is not a known field`);
      continue;
    }
    add(`${name(instancePath)} ${predicate(error)}`);
  }
  return messages;
};
