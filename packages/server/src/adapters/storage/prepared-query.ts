import { randomBytes } from 'node:crypto';
import type { Compilable, CompiledQuery, Kysely } from 'kysely';
import type { Database, StoreDialect } from './schema.js';
import type { StoreContext } from './store-context.js';

/** Unguessable, so no stored or presented value can pass for a placeholder. */
const MARKER_PREFIX = `\u0000cutoff-placeholder:${randomBytes(8).toString('hex')}:`;

type Slot = { readonly name: string } | { readonly constant: unknown };

interface Compiled {
  readonly query: CompiledQuery;
  readonly slots: readonly Slot[];
  readonly valueCount: number;
}

/** A query compiled once per dialect and run with fresh values; see `preparedQuery`. */
export interface PreparedQuery<V, R> {
  /** Every row the statement returns (none for a statement without RETURNING). */
  all(context: StoreContext, values: V): Promise<R[]>;
  first(context: StoreContext, values: V): Promise<R | undefined>;
}

const compile = <V extends Readonly<Record<string, unknown>>, R>(
  db: Kysely<Database>,
  build: (db: Kysely<Database>, values: V) => Compilable<R>,
  names: readonly string[],
): Compiled => {
  const placeholders = Object.fromEntries(names.map((name) => [name, `${MARKER_PREFIX}${name}`])) as V;
  const query = build(db, placeholders).compile();
  if (query.sql.includes(MARKER_PREFIX)) throw new Error(`prepared query inlines a value: ${query.sql}`);
  const slots = query.parameters.map((parameter): Slot =>
    typeof parameter === 'string' && parameter.startsWith(MARKER_PREFIX)
      ? { name: parameter.slice(MARKER_PREFIX.length) }
      : { constant: parameter },
  );
  for (const name of names) {
    if (!slots.some((slot) => 'name' in slot && slot.name === name)) {
      throw new Error(`prepared query does not use the value "${name}": ${query.sql}`);
    }
  }
  return { query, slots, valueCount: names.length };
};

/**
 * A query that is built and compiled once per dialect, then run with fresh values. Building and
 * compiling a Kysely query costs more than SQLite takes to run a short statement (measured on the
 * refresh path: ~140 µs of its ~540 µs went to query building), and hot paths run the same few
 * shapes over and over.
 *
 * `build` receives stand-ins for the values (unique marker strings, one per key of the first
 * values object) and must pass them to Kysely unchanged: convert values before `all`/`first`,
 * never inside `build`. Every run must bring the same keys, none undefined (use null). Compiling
 * refuses a query that inlines a marker into its SQL or leaves a value unused, and a run with other
 * keys is refused, so a shape that cannot be prepared fails at once, in every test, instead of
 * running with the wrong values. Only fixed shapes fit: an `in` list of varying length is a
 * different query each time.
 */
export const preparedQuery = <V extends Readonly<Record<string, unknown>>, R>(
  build: (db: Kysely<Database>, values: V) => Compilable<R>,
): PreparedQuery<V, R> => {
  const byDialect = new Map<StoreDialect, Compiled>();
  const all = async (context: StoreContext, values: V): Promise<R[]> => {
    let compiled = byDialect.get(context.dialect);
    if (compiled === undefined) {
      compiled = compile(context.db, build, Object.keys(values));
      byDialect.set(context.dialect, compiled);
    }
    const parameters = compiled.slots.map((slot) => {
      if (!('name' in slot)) return slot.constant;
      const value = values[slot.name];
      if (value === undefined) throw new Error(`prepared query run without the value "${slot.name}"`);
      return value;
    });
    if (Object.keys(values).length !== compiled.valueCount) {
      throw new Error('prepared query run with other values than it was prepared with');
    }
    const result = await context.db.executeQuery<R>({ ...compiled.query, parameters });
    return result.rows;
  };
  return {
    all,
    first: async (context, values) => (await all(context, values))[0],
  };
};
