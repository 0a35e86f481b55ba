import { Ajv, type Options } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';

const build = (coerceTypes: Options['coerceTypes']): Ajv => {
  const ajv = new Ajv({
    coerceTypes,
    useDefaults: true,
    removeAdditional: false,
    allErrors: false,
    strict: false,
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
