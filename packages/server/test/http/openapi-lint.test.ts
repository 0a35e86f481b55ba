import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/test-server.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../../../', import.meta.url));
const redocly = join(root, 'node_modules/@redocly/cli/bin/cli.js');

/** Operations that take no input and no credential: a 4xx is not theirs to return (redocly.yaml). */
const NO_4XX = new Set([
  'getHealth',
  'getReadiness',
  'getMetrics',
  'getJwks',
  'getAuthorizationServerMetadata',
  'getOpenIdConfiguration',
  // Browser pages: what they answer to bad input is a page for a person (HTML), not a JSON error.
  'showLoginPage',
  'authorize',
  'endSession',
]);
const METHODS = new Set(['get', 'put', 'post', 'patch', 'delete', 'head', 'options']);

interface Operation {
  readonly operationId?: string;
  readonly summary?: string;
  readonly security?: readonly unknown[];
  readonly responses: Record<string, { content?: Record<string, { schema?: { $ref?: string } }> }>;
}

describe('/openapi.json', () => {
  let t: TestServer;
  let document: {
    paths: Record<string, Record<string, Operation>>;
    components: { schemas: Record<string, unknown> };
  };
  let operations: (readonly [string, string, Operation])[];
  beforeAll(async () => {
    t = await startTestServer();
    document = (await t.api('GET', '/openapi.json', undefined, null)).body;
    operations = Object.entries(document.paths).flatMap(([path, item]) =>
      Object.entries(item)
        .filter(([method]) => METHODS.has(method))
        .map(([method, operation]) => [method, path, operation] as const),
    );
  });
  afterAll(() => t.close());

  it('gives every operation a unique camelCase operationId, a summary and its 4xx responses', () => {
    expect(operations.length).toBeGreaterThan(50);
    const ids = operations.map(([, , operation]) => operation.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const [method, path, operation] of operations) {
      const where = `${method.toUpperCase()} ${path}`;
      expect(operation.operationId, where).toMatch(/^[a-z][A-Za-z0-9]*$/);
      expect(operation.summary, where).toEqual(expect.stringMatching(/\S/));
      if (NO_4XX.has(operation.operationId ?? '')) continue;
      expect(
        Object.keys(operation.responses).filter((status) => status.startsWith('4')),
        where,
      ).not.toEqual([]);
    }
  });

  it('documents the errors an authenticated operation really returns, with the shared error schemas', async () => {
    const revoke = document.paths['/v1/revocations']?.post;
    expect(revoke?.operationId).toBe('createRevocation');
    expect(Object.keys(revoke?.responses ?? {})).toEqual(
      expect.arrayContaining(['201', '400', '401', '403', '404', '413', '415', '503']),
    );
    for (const [method, path, operation] of operations) {
      for (const [status, response] of Object.entries(operation.responses)) {
        if (!/^[45]/.test(status) || operation.operationId === 'getReadiness') continue;
        // Global Token Revocation answers Cutoff's shape (its 400/401/403/404 differ in meaning);
        // the SSF push receiver answers RFC 8935's `{err, description}` to a refused SET.
        const expected =
          path === '/ssf/receive' && ['400', '401', '403'].includes(status)
            ? 'SsfError'
            : path.startsWith('/oauth/') && path !== '/oauth/global-token-revocation'
              ? 'OAuthError'
              : path.startsWith('/scim/')
                ? 'ScimError'
                : 'Error';
        expect(response.content?.['application/json']?.schema?.$ref, `${method} ${path} ${status}`).toBe(
          `#/components/schemas/${expected}`,
        );
      }
    }
    // What the description promises is what the server does: the error shape, without credentials.
    const unauthenticated = await t.api('POST', '/v1/revocations', {}, null);
    expect(unauthenticated.status).toBe(401);
    expect(Object.keys(unauthenticated.body).sort()).toEqual(['code', 'error', 'message', 'request_id']);
  });

  it('names its schemas and lists the health, readiness and metrics endpoints', () => {
    expect(Object.keys(document.components.schemas)).toEqual(
      expect.arrayContaining([
        'Error',
        'OAuthError',
        'ScimError',
        'User',
        'Session',
        'CreateRevocationRequest',
        'AuditEvent',
      ]),
    );
    expect(Object.keys(document.components.schemas).filter((name) => /^def-\d+$/.test(name))).toEqual([]);
    expect(document.paths['/healthz']?.get?.operationId).toBe('getHealth');
    expect(document.paths['/readyz']?.get?.responses).toHaveProperty('503');
    expect(document.paths['/metrics']?.get?.operationId).toBe('getMetrics');
    for (const path of ['/healthz', '/readyz', '/metrics'])
      expect(document.paths[path]?.get?.security).toEqual([]);
  });

  it('passes `redocly lint` with the recommended rules: no errors, only the justified warnings', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cutoff-openapi-'));
    try {
      const file = join(dir, 'openapi.json');
      await writeFile(file, JSON.stringify(document));
      const result = await run(
        process.execPath,
        [
          redocly,
          'lint',
          file,
          '--config',
          join(root, 'redocly.yaml'),
          '--format',
          'json',
          '--max-problems',
          '1000',
        ],
        {
          cwd: dir,
          env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
          maxBuffer: 16 << 20,
        },
      ).catch((error: { stdout: string; stderr: string }) => error);
      const report = JSON.parse(result.stdout) as {
        problems: { ruleId: string; severity: string; message: string; location: { pointer: string }[] }[];
      };
      const errors = report.problems.filter((problem) => problem.severity === 'error');
      expect(errors, JSON.stringify(errors, null, 1)).toEqual([]);
      const warnings = report.problems.map((problem) => ({
        rule: problem.ruleId,
        at: problem.location[0]?.pointer,
      }));
      const allowed = operations
        .filter(([, , operation]) => NO_4XX.has(operation.operationId ?? ''))
        .map(([method, path]) => ({
          rule: 'operation-4xx-response',
          at: `#/paths/${path.replace(/~/g, '~0').replace(/\//g, '~1')}/${method}/responses`,
        }));
      expect(warnings).toEqual(allowed);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
