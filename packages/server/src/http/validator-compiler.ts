import { Ajv, type Options } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifySchemaCompiler, FastifySchemaValidationError } from 'fastify';
import { describeSchemaErrors, dottedPath } from '../lib/schema-errors.js';

/** Ajv flags its `unicode` option as deprecated, while it still works and is what we want. */
const UNICODE_DEPRECATION = 'option unicode';

/* eslint-disable no-console -- Ajv's default logger is the console; this one only drops that warning. */
const ajvLogger: NonNullable<Options['logger']> = {
  log: (...args: unknown[]) => console.log(...args),
  warn: (...args: unknown[]) => {
    if (!args.some((arg) => typeof arg === 'string' && arg.includes(UNICODE_DEPRECATION)))
      console.warn(...args);
  },
  error: (...args: unknown[]) => console.error(...args),
};
/* eslint-enable no-console */

const build = (coerceTypes: Options['coerceTypes']): Ajv => {
  const ajv = new Ajv({
    coerceTypes,
    useDefaults: true,
    removeAdditional: false,
    allErrors: false,
    strict: false,
    // `minLength`/`maxLength` count UTF-16 code units (`.length`), not code points: the limits
    // guard size, and counting code points walks every string (~3 µs for a 900-character JWT,
    // on every introspection).
    unicode: false,
    logger: ajvLogger,
  });
  addFormats.default(ajv);
  return ajv;
};

/**
 * Query strings, params and headers are text, so their numbers and booleans are coerced; JSON
 * and form bodies are validated as sent, so `{"username": 1}` is a 400 and not the string "1".
 */
export const createValidatorCompiler = (): FastifySchemaCompiler<unknown> => {
  const coercing = build('array');
  const strict = build(false);
  return ({ schema, httpPart }) => {
    const ajv = httpPart === 'body' ? strict : coercing;
    return ajv.compile(schema as object);
  };
};

type SchemaErrorDataVar = 'body' | 'headers' | 'params' | 'querystring';

const ROOT_NAMES: Readonly<Record<SchemaErrorDataVar, string>> = {
  body: 'body',
  querystring: 'query',
  params: 'path',
  headers: 'headers',
};

/**
 * One sentence per bad field (`target.type must be one of session, token, ...`) instead of Ajv's
 * line per union branch. The error handler sends it as the `ERR_VALIDATION` message.
 */
export const formatRequestValidationErrors = (
  errors: FastifySchemaValidationError[],
  dataVar: SchemaErrorDataVar,
): Error => new Error(describeSchemaErrors(errors, dottedPath(ROOT_NAMES[dataVar])).join('; '));
