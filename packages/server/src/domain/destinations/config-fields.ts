/*
 * Shared pieces of the per-type destination parsers (`splunk-hec-config.ts`, `syslog-config.ts`):
 * each returns the typed configuration or every field error at once, so an admin fixes a PUT in
 * one round trip. Pure: no I/O, no Node APIs beyond URL.
 */

/** One bad field: `field` is its JSON name (`url`, `port`), `message` says what to send instead. */
export interface DestinationFieldError {
  readonly field: string;
  readonly message: string;
}

export type DestinationConfigResult<T> =
  | { readonly ok: true; readonly config: T }
  | { readonly ok: false; readonly errors: readonly DestinationFieldError[] };

/**
 * Fields every destination has and the delivery engine owns (`type`, `format`, batching, retry
 * limits): a type's parser skips them rather than calling them unknown. The engine passes its
 * own list when it has more.
 */
export const ENGINE_FIELDS: readonly string[] = ['type', 'format'];

/** Hosts that never leave the machine: plain `http`/`tcp` is allowed to these only. */
const LOOPBACK_HOSTS = new Set(['127.0.0.1', '::1', '[::1]', 'localhost']);
export const isLoopbackHost = (host: string): boolean => LOOPBACK_HOSTS.has(host.toLowerCase());

/** Reads fields off an untrusted JSON object and collects what is wrong with them. */
export class FieldReader {
  readonly errors: DestinationFieldError[] = [];
  readonly #object: Readonly<Record<string, unknown>>;

  constructor(json: unknown, known: readonly string[], engineFields: readonly string[]) {
    if (typeof json !== 'object' || json === null || Array.isArray(json)) {
      this.#object = {};
      this.fail('', 'must be a JSON object');
      return;
    }
    this.#object = json as Record<string, unknown>;
    for (const key of Object.keys(this.#object)) {
      if (!known.includes(key) && !engineFields.includes(key)) this.fail(key, 'is not a known field');
    }
  }

  fail(field: string, message: string): void {
    this.errors.push({ field, message });
  }

  /** A string of 1..max characters without control characters; undefined when absent. */
  string(field: string, { required = false, max = 1024 } = {}): string | undefined {
    const value = this.#object[field];
    if (value === undefined || value === null) {
      if (required) this.fail(field, 'is required');
      return undefined;
    }
    if (typeof value !== 'string') return (this.fail(field, 'must be a string'), undefined);
    if (value.length === 0) return (this.fail(field, 'must not be empty'), undefined);
    if (value.length > max) return (this.fail(field, `must be at most ${max} characters`), undefined);
    // Control characters would break header lines, syslog fields and log lines alike.
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u001f\u007f]/.test(value) && field !== 'ca')
      return (this.fail(field, 'must not contain control characters'), undefined);
    return value;
  }

  /** PEM certificates (a CA bundle). */
  pem(field: string): string | undefined {
    const pem = this.string(field, { max: 64 * 1024 });
    if (pem !== undefined && !pem.includes('-----BEGIN CERTIFICATE-----')) {
      this.fail(field, 'must be PEM certificates (-----BEGIN CERTIFICATE-----)');
      return undefined;
    }
    return pem;
  }

  integer(field: string, min: number, max: number): number | undefined {
    const value = this.#object[field];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      this.fail(field, `must be an integer from ${min} to ${max}`);
      return undefined;
    }
    return value;
  }

  boolean(field: string): boolean | undefined {
    const value = this.#object[field];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'boolean') return (this.fail(field, 'must be true or false'), undefined);
    return value;
  }

  raw(field: string): unknown {
    return this.#object[field];
  }

  result<T>(build: () => T): DestinationConfigResult<T> {
    return this.errors.length === 0 ? { ok: true, config: build() } : { ok: false, errors: this.errors };
  }
}
