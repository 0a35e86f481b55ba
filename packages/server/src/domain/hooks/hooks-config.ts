import { Type, type Static } from 'typebox';
import { Value } from 'typebox/value';
import { REVOCATION_REASONS, type RevocationReason } from '@cutoff/guard/rule';

/*
 * The hooks file: which inbound webhook sources exist, their secrets and how their payloads map
 * to actions. Validated once at start-up; a mistake stops the server with a message naming it.
 */

/** Source names appear in the URL (`/v1/hooks/{source}`) and in env names. */
export const SOURCE_NAME_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/;
/** `a.b.0.c`: object keys and array indexes, separated by dots. */
const PATH_PATTERN = '^[^.\\s][^\\s]{0,255}$';
export const MIN_SECRET_LENGTH = 16;

export const HOOK_ACTIONS = ['revoke_user', 'security_incident', 'role_update'] as const;
export type HookAction = (typeof HOOK_ACTIONS)[number];
export const USER_LOOKUPS = ['username', 'email', 'id', 'external_id'] as const;
export type UserLookup = (typeof USER_LOOKUPS)[number];
/** Reasons a mapping may give (`canary` is reserved for the canary). */
export const HOOK_REASONS = REVOCATION_REASONS.filter((reason) => reason !== 'canary');

export const DEFAULT_SEVERITY_SCALE: Readonly<Record<string, number>> = Object.freeze({
  low: 1,
  medium: 2,
  high: 3,
  critical: 4,
});

const Path = Type.String({ pattern: PATH_PATTERN });
const PathRef = Type.Object({ path: Path }, { additionalProperties: false });
const Scalar = Type.Union([Type.String({ maxLength: 1024 }), Type.Number(), Type.Boolean()]);
const Condition = Type.Object(
  {
    path: Path,
    equals: Type.Optional(Scalar),
    in: Type.Optional(Type.Array(Scalar, { minItems: 1, maxItems: 100 })),
  },
  { additionalProperties: false },
);
const literals = <T extends readonly string[]>(values: T) =>
  Type.Unsafe<T[number]>(Type.Union(values.map((value) => Type.Literal(value))));

const MappingSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 128 }),
    when: Type.Union([Condition, Type.Array(Condition, { minItems: 1, maxItems: 20 })]),
    action: literals(HOOK_ACTIONS),
    user: Type.Object({ path: Path, by: literals(USER_LOOKUPS) }, { additionalProperties: false }),
    reason: Type.Optional(literals(HOOK_REASONS)),
    deactivate: Type.Optional(Type.Boolean()),
    note: Type.Optional(Type.String({ maxLength: 500 })),
    severity: Type.Optional(
      Type.Object(
        {
          path: Path,
          min: Type.Number(),
          scale: Type.Optional(Type.Record(Type.String({ minLength: 1, maxLength: 64 }), Type.Number())),
        },
        { additionalProperties: false },
      ),
    ),
    roles: Type.Optional(PathRef),
    phone: Type.Optional(PathRef),
  },
  { additionalProperties: false },
);

const SourceSchema = Type.Object(
  {
    secret: Type.Optional(
      Type.Union([
        Type.String({ minLength: MIN_SECRET_LENGTH }),
        Type.Array(Type.String({ minLength: MIN_SECRET_LENGTH }), { minItems: 1, maxItems: 5 }),
      ]),
    ),
    eventId: Type.Optional(PathRef),
    events: Type.Array(MappingSchema, { maxItems: 100 }),
  },
  { additionalProperties: false },
);

export const HooksFileSchema = Type.Object(
  {
    $schema: Type.Optional(Type.String()),
    sources: Type.Record(Type.String(), SourceSchema),
  },
  { additionalProperties: false },
);
export type HooksFile = Static<typeof HooksFileSchema>;

export interface Condition {
  readonly path: string;
  readonly equals?: string | number | boolean;
  readonly in?: readonly (string | number | boolean)[];
}

export interface HookMapping {
  readonly name: string;
  readonly when: readonly Condition[];
  readonly action: HookAction;
  readonly user: { readonly path: string; readonly by: UserLookup };
  /** revoke_user only; defaults to `offboarding`. */
  readonly reason: RevocationReason;
  /** revoke_user only: also set the account inactive. */
  readonly deactivate: boolean;
  readonly note: string | null;
  /** security_incident only: the mapping applies when the payload's severity reaches `min`. */
  readonly severity: {
    readonly path: string;
    readonly min: number;
    readonly scale: Readonly<Record<string, number>>;
  } | null;
  /** role_update only: where the user's complete new list of roles is. */
  readonly rolesPath: string | null;
  /** security_incident only: where a phone number for the SMS notice is. */
  readonly phonePath: string | null;
}

export interface HookSource {
  readonly name: string;
  /** Any of them verifies a signature (several during a secret rotation). Never logged. */
  readonly secrets: readonly string[];
  /** Where the event id is; null: the SHA-256 of the raw body stands in for it. */
  readonly eventIdPath: string | null;
  readonly mappings: readonly HookMapping[];
}

export interface HooksConfig {
  readonly sources: ReadonlyMap<string, HookSource>;
}

export const EMPTY_HOOKS_CONFIG: HooksConfig = Object.freeze({ sources: new Map<string, HookSource>() });

/** `CUTOFF_HOOK_SECRET_<SOURCE>`: upper case, anything but letters and digits as `_`. */
export const hookSecretEnvName = (source: string): string =>
  `CUTOFF_HOOK_SECRET_${source.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;

export type HooksConfigResult =
  | { readonly ok: true; readonly config: HooksConfig }
  | { readonly ok: false; readonly errors: readonly string[] };

const mappingProblems = (source: string, mapping: Static<typeof MappingSchema>): string[] => {
  const where = `sources.${source}: mapping "${mapping.name}"`;
  const problems: string[] = [];
  const only = (field: string, present: boolean, action: HookAction) => {
    if (present && mapping.action !== action) problems.push(`${where}: "${field}" applies to ${action} only`);
  };
  only('reason', mapping.reason !== undefined, 'revoke_user');
  only('deactivate', mapping.deactivate !== undefined, 'revoke_user');
  only('severity', mapping.severity !== undefined, 'security_incident');
  only('phone', mapping.phone !== undefined, 'security_incident');
  only('roles', mapping.roles !== undefined, 'role_update');
  if (mapping.action === 'role_update' && mapping.roles === undefined)
    problems.push(`${where}: role_update needs "roles": {"path": …}`);
  const conditions = Array.isArray(mapping.when) ? mapping.when : [mapping.when];
  for (const condition of conditions) {
    if (condition.equals !== undefined && condition.in !== undefined)
      problems.push(`${where}: a condition takes "equals" or "in", not both (path ${condition.path})`);
  }
  return problems;
};

const toMapping = (mapping: Static<typeof MappingSchema>): HookMapping => ({
  name: mapping.name,
  when: Array.isArray(mapping.when) ? mapping.when : [mapping.when],
  action: mapping.action,
  user: mapping.user,
  reason: mapping.reason ?? 'offboarding',
  deactivate: mapping.deactivate ?? false,
  note: mapping.note ?? null,
  severity:
    mapping.severity === undefined
      ? null
      : {
          path: mapping.severity.path,
          min: mapping.severity.min,
          scale: Object.fromEntries(
            Object.entries(mapping.severity.scale ?? DEFAULT_SEVERITY_SCALE).map(([key, value]) => [
              key.toLowerCase(),
              value,
            ]),
          ),
        },
  rolesPath: mapping.roles?.path ?? null,
  phonePath: mapping.phone?.path ?? null,
});

/**
 * Validates a parsed hooks file. Secrets come from the file or from `CUTOFF_HOOK_SECRET_<SOURCE>`
 * (which wins), so the file can be kept free of them. Error messages never contain a secret.
 */
export const parseHooksConfig = (
  input: unknown,
  env: Readonly<Record<string, string | undefined>>,
): HooksConfigResult => {
  const schemaErrors = [...Value.Errors(HooksFileSchema, input)]
    .filter((error) => !/schema is false|match a schema in anyOf/.test(error.message))
    .map((error) => `${error.instancePath || '/'}: ${error.message}`);
  if (schemaErrors.length > 0) return { ok: false, errors: [...new Set(schemaErrors)] };
  const file = input as HooksFile;
  const errors: string[] = [];
  const sources = new Map<string, HookSource>();
  for (const [name, source] of Object.entries(file.sources)) {
    if (!SOURCE_NAME_PATTERN.test(name)) {
      errors.push(
        `sources.${name}: a source name is 1-64 lower-case letters, digits, "-" or "_", starting with a letter or digit`,
      );
      continue;
    }
    const envSecret = env[hookSecretEnvName(name)];
    const fileSecrets = source.secret === undefined ? [] : [source.secret].flat();
    const secrets = envSecret !== undefined && envSecret !== '' ? [envSecret] : fileSecrets;
    if (secrets.length === 0)
      errors.push(`sources.${name}: no secret; set "secret" in the file or ${hookSecretEnvName(name)}`);
    else if (secrets.some((secret) => secret.length < MIN_SECRET_LENGTH))
      errors.push(`${hookSecretEnvName(name)}: a secret has at least ${MIN_SECRET_LENGTH} characters`);
    const names = new Set<string>();
    for (const mapping of source.events) {
      if (names.has(mapping.name))
        errors.push(`sources.${name}: mapping name "${mapping.name}" is used twice`);
      names.add(mapping.name);
      errors.push(...mappingProblems(name, mapping));
    }
    sources.set(name, {
      name,
      secrets,
      eventIdPath: source.eventId?.path ?? null,
      mappings: source.events.map(toMapping),
    });
  }
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, config: Object.freeze({ sources }) };
};
