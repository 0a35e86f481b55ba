import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fillPath, openApiOperations, type Operation } from '../support/openapi-operations.js';
import { postgresTestsSkipped, TEST_BACKENDS } from '../support/stores.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

/*
 * Every operation of /openapi.json, called with the admin key and malformed or hostile input:
 * NUL bytes, huge strings, deep nesting, wrong types, unicode oddities, bad JSON, path ids with
 * %00 and `..`. None may answer 5xx (the store is healthy, so not even 503).
 */

type Schema = Record<string, unknown>;

const deep = (depth: number): unknown => {
  let value: unknown = 'leaf';
  for (let level = 0; level < depth; level += 1) value = level % 2 === 0 ? { a: value } : [value];
  return value;
};

/** Values no field should ever crash on, whatever its type. */
const HOSTILE_VALUES: readonly unknown[] = [
  '\u0000',
  'a\u0000b',
  'x'.repeat(100_000),
  '\ud800', // a lone surrogate
  '\u202e\u0301\ufeff', // bidi override, combining mark, BOM
  '💩'.repeat(50),
  '../../etc/passwd',
  "'; drop table users; --",
  '%00',
  -1,
  1e308,
  1e20, // past int8
  1.5,
  true,
  null,
  [],
  ['\u0000'],
  {},
  { __proto__: { polluted: true }, constructor: { prototype: { polluted: true } } },
  deep(200),
];

const PATH_VALUES: readonly string[] = [
  '%00',
  'a%00b',
  '..',
  '%2e%2e',
  '..%2f..%2fetc',
  'x'.repeat(4000),
  '%F0%9F%92%A9',
  '%ED%A0%80', // UTF-8 of a lone surrogate
  '%FF%FE',
  '%E2%80%AE',
  '-1',
  '99999999999999999999999',
  '%20',
];

const QUERY_VALUES: readonly string[] = [
  '%00',
  'a%00b',
  'x'.repeat(6000),
  '-1',
  '0',
  '1.5',
  '1e400',
  '99999999999999999999999',
  'NaN',
  '%FF',
  '%ED%A0%80',
  '%22%29%20or%20true',
  '',
];

/** A body the schema would likely accept, to mutate one field at a time. */
const plausible = (operation: Operation, schema: Schema | undefined, depth = 0): unknown => {
  const resolved = operation.resolve(schema) ?? {};
  if (depth > 4) return null;
  if (Array.isArray(resolved['enum'])) return resolved['enum'][0];
  if ('const' in resolved) return resolved['const'];
  const anyOf = (resolved['anyOf'] ?? resolved['oneOf']) as Schema[] | undefined;
  if (anyOf?.[0] !== undefined) return plausible(operation, anyOf[0], depth + 1);
  switch (resolved['type']) {
    case 'string':
      return 'value';
    case 'integer':
    case 'number':
      return 1;
    case 'boolean':
      return true;
    case 'array':
      return [];
    case 'object': {
      const properties = (resolved['properties'] ?? {}) as Record<string, Schema>;
      return Object.fromEntries(
        Object.entries(properties).map(([name, property]) => [
          name,
          plausible(operation, property, depth + 1),
        ]),
      );
    }
    default:
      return 'value';
  }
};

interface Case {
  readonly label: string;
  readonly path: string;
  readonly contentType?: string;
  readonly body?: string;
}

/** encodeURIComponent refuses a lone surrogate; a client can still send its bytes. */
const encodeLoosely = (text: string): string => {
  try {
    return encodeURIComponent(text);
  } catch {
    return encodeURIComponent(text.replace(/[\ud800-\udfff]/g, '')) + '%ED%A0%80';
  }
};

const formBody = (fields: Record<string, unknown>): string =>
  Object.entries(fields)
    .map(([name, value]) => `${encodeLoosely(name)}=${encodeLoosely(String(value))}`)
    .join('&');

const casesFor = (operation: Operation): Case[] => {
  const cases: Case[] = [];
  const plainPath = fillPath(operation, () => 'x');
  for (const value of PATH_VALUES) {
    if (operation.pathParams.length === 0) break;
    cases.push({ label: `path=${value.slice(0, 20)}`, path: fillPath(operation, () => value) });
  }
  for (const { name } of operation.queryParams) {
    for (const value of QUERY_VALUES)
      cases.push({ label: `?${name}=${value.slice(0, 20)}`, path: `${plainPath}?${name}=${value}` });
    cases.push({ label: `?${name} twice`, path: `${plainPath}?${name}=1&${name}=2` });
  }
  cases.push({ label: 'unknown query', path: `${plainPath}?%00=%00&__proto__=1` });
  const contentType = operation.contentTypes[0];
  if (contentType === undefined) return cases;
  const json = contentType.includes('json');
  const raw = (label: string, body: string, type = contentType): void => {
    cases.push({ label, path: plainPath, contentType: type, body });
  };
  if (json) {
    for (const body of [
      '{"a":',
      '',
      'null',
      '[]',
      '"text"',
      '123',
      '{"a":1,"a":2}',
      '\u0000',
      '{"\u0000":1}',
    ])
      raw(`json ${JSON.stringify(body).slice(0, 20)}`, body);
    raw('json 5000 deep', `${'{"a":['.repeat(2500)}1${']}'.repeat(2500)}`);
    raw(
      'json wide',
      JSON.stringify(Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`k${i}`, i]))),
    );
  } else {
    for (const body of ['%00=%00', 'a=%ZZ', '&&&', 'client_id=%00&grant_type=%00&token=%00'])
      raw(`form ${body.slice(0, 20)}`, body);
  }
  raw('wrong content type', 'x', 'text/plain');
  const base = plausible(operation, operation.bodySchema);
  const fields =
    typeof base === 'object' && base !== null && !Array.isArray(base)
      ? (base as Record<string, unknown>)
      : {};
  raw('plausible', json ? JSON.stringify(base) : formBody(fields));
  for (const name of Object.keys(fields)) {
    for (const value of HOSTILE_VALUES) {
      const mutated = { ...fields, [name]: value };
      const label = `${name}=${JSON.stringify(value)?.slice(0, 20)}`;
      if (json) raw(label, JSON.stringify(mutated));
      else if (typeof value !== 'object' || value === null) raw(label, formBody(mutated));
    }
  }
  return cases;
};

const send = async (t: TestServer, operation: Operation, testCase: Case): Promise<number> => {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), 10_000);
  try {
    const response = await fetch(`${t.url}${testCase.path}`, {
      method: operation.method,
      signal: controller.signal,
      headers: {
        authorization: `Bearer ${t.adminKey}`,
        ...(testCase.contentType !== undefined && { 'content-type': testCase.contentType }),
      },
      ...(testCase.body !== undefined && { body: testCase.body }),
    });
    // The revocation stream never ends: its status is the answer.
    if (response.headers.get('content-type')?.startsWith('text/event-stream')) controller.abort();
    else await response.arrayBuffer();
    return response.status;
  } finally {
    clearTimeout(timer);
  }
};

describe.each(TEST_BACKENDS)('fuzzing every /openapi.json route (%s)', (backend) => {
  let t: TestServer;
  beforeAll(async () => {
    if (backend === 'postgres' && postgresTestsSkipped()) return;
    t = await startTestServer({ backend, config: { logLevel: 'warn' } });
  });
  afterAll(() => t?.close());

  it.skipIf(backend === 'postgres' && postgresTestsSkipped())(
    'answers no request with a 5xx',
    async () => {
      const operations = await openApiOperations(t);
      expect(operations.length).toBeGreaterThan(50);
      const failures: string[] = [];
      let requests = 0;
      for (const operation of operations) {
        for (const testCase of casesFor(operation)) {
          requests += 1;
          let status: number;
          try {
            status = await send(t, operation, testCase);
          } catch (error) {
            failures.push(`${operation.method} ${operation.path} [${testCase.label}]: ${String(error)}`);
            continue;
          }
          if (status >= 500)
            failures.push(`${operation.method} ${operation.path} [${testCase.label}]: ${status}`);
        }
      }
      expect(requests).toBeGreaterThan(2000);
      expect(failures).toEqual([]);
      // The server still serves after all of it.
      expect((await t.api('GET', '/readyz', undefined, null)).status).toBe(200);
    },
    120_000,
  );
});
