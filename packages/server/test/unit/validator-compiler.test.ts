import { afterEach, describe, expect, it, vi } from 'vitest';
import { createValidatorCompiler } from '../../src/http/validator-compiler.js';

const compileBody = (schema: object) =>
  createValidatorCompiler()({ schema, method: 'POST', url: '/x', httpPart: 'body' }) as (
    data: unknown,
  ) => boolean;

describe('request validator', () => {
  afterEach(() => vi.restoreAllMocks());

  it('starts without printing Ajv warnings', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    compileBody({ type: 'object', properties: { token: { type: 'string', maxLength: 8 } } });
    expect(warn).not.toHaveBeenCalled();
  });

  it('limits string lengths in UTF-16 code units', () => {
    const validate = compileBody({ type: 'object', properties: { name: { type: 'string', maxLength: 4 } } });
    expect(validate({ name: 'abcd' })).toBe(true);
    expect(validate({ name: 'abcde' })).toBe(false);
    // Two astral characters are four code units: at the limit, and one more is over it.
    expect(validate({ name: '😀😀' })).toBe(true);
    expect(validate({ name: '😀😀a' })).toBe(false);
  });

  it('keeps body values as sent (no coercion), and coerces query strings', () => {
    const schema = { type: 'object', properties: { n: { type: 'integer' } } };
    expect(compileBody(schema)({ n: '1' })).toBe(false);
    const query = createValidatorCompiler()({
      schema,
      method: 'GET',
      url: '/x',
      httpPart: 'querystring',
    }) as (data: unknown) => boolean;
    expect(query({ n: '1' })).toBe(true);
  });
});
