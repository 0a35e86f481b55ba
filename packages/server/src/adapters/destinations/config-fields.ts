/**
 * Reads a destination type's fields from the PUT body, collecting every problem (so one answer
 * names them all) instead of stopping at the first.
 */
export class ConfigFields {
  readonly errors: string[] = [];
  readonly #fields: Readonly<Record<string, unknown>>;
  readonly #known = new Set<string>();

  constructor(fields: Readonly<Record<string, unknown>>) {
    this.#fields = fields;
  }

  string(name: string, options: { readonly required: true; readonly maxLength?: number }): string;
  string(
    name: string,
    options?: { readonly required?: false; readonly maxLength?: number },
  ): string | undefined;
  string(
    name: string,
    options: { readonly required?: boolean; readonly maxLength?: number } = {},
  ): string | undefined {
    this.#known.add(name);
    const value = this.#fields[name];
    if (value === undefined) {
      if (options.required === true) this.errors.push(`${name} is required.`);
      return undefined;
    }
    if (typeof value !== 'string' || value.length === 0 || value.length > (options.maxLength ?? 2048)) {
      this.errors.push(
        `${name} must be a non-empty string of at most ${options.maxLength ?? 2048} characters.`,
      );
      return undefined;
    }
    return value;
  }

  integer(
    name: string,
    range: { readonly min: number; readonly max: number; readonly default: number },
  ): number {
    this.#known.add(name);
    const value = this.#fields[name];
    if (value === undefined) return range.default;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < range.min || value > range.max) {
      this.errors.push(`${name} must be an integer from ${range.min} to ${range.max}.`);
      return range.default;
    }
    return value;
  }

  /** Call last: fields the type does not know are refused, not silently ignored (typos). */
  rejectUnknown(): void {
    for (const name of Object.keys(this.#fields))
      if (!this.#known.has(name)) this.errors.push(`${name} is not a field of this destination type.`);
  }
}
