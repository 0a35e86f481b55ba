import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fillPath, openApiOperations, type Operation } from '../support/openapi-operations.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

/** A body the schema refuses, in the operation's content type: it must never be looked at. */
const invalidBody = (operation: Operation): { readonly type: string; readonly body: string } | undefined => {
  const type = operation.contentTypes[0];
  if (type === undefined) return undefined;
  if (type === 'application/x-www-form-urlencoded') return { type, body: 'unexpected=1&token=' };
  return { type, body: '{"unexpected": [1, 2' };
};

describe('every documented route without a valid credential', () => {
  let t: TestServer;
  let operations: readonly Operation[];
  let wrongScopeKey: string;
  beforeAll(async () => {
    t = await startTestServer();
    operations = await openApiOperations(t);
    // A real key whose scope no route accepts.
    wrongScopeKey = await t.apiKey(['hooks']);
  });
  afterAll(() => t.close());

  const call = async (operation: Operation, authorization: string | undefined): Promise<Response> => {
    const body = invalidBody(operation);
    return fetch(`${t.url}${fillPath(operation, () => 'x%00y')}`, {
      method: operation.method,
      headers: {
        ...(authorization !== undefined && { authorization }),
        ...(body !== undefined && { 'content-type': body.type }),
      },
      ...(body !== undefined && { body: body.body }),
    });
  };

  it('answers 401 with no credential and 401/403 with a wrong one, before reading the request', async () => {
    const authenticated = operations.filter((operation) => operation.authenticated);
    expect(authenticated.length).toBeGreaterThan(40);
    const unexpected: string[] = [];
    for (const operation of authenticated) {
      const name = `${operation.method} ${operation.path}`;
      const anonymous = await call(operation, undefined);
      if (anonymous.status !== 401) unexpected.push(`${name} without a credential: ${anonymous.status}`);
      const text = await anonymous.text();
      if (/must |additional|propert|json|expected/i.test(text))
        unexpected.push(`${name} leaks the schema: ${text}`);
      for (const authorization of [`Bearer ${wrongScopeKey}`, 'Bearer not-a-key', 'Basic Og==']) {
        const wrong = await call(operation, authorization);
        await wrong.arrayBuffer();
        const expected = authorization.includes(wrongScopeKey) ? [401, 403] : [401];
        if (!expected.includes(wrong.status))
          unexpected.push(`${name} with ${authorization.split(' ')[0]}: ${wrong.status}`);
      }
    }
    expect(unexpected).toEqual([]);
  });

  it('documents as public only what really is', () => {
    const publicOperations = operations
      .filter((operation) => !operation.authenticated)
      .map((operation) => `${operation.method} ${operation.path}`)
      .sort();
    expect(publicOperations).toEqual(
      [
        'GET /.well-known/jwks.json',
        'GET /.well-known/oauth-authorization-server',
        // Probes and metrics, public by design (docs/operations.md), once they are documented.
        'GET /healthz',
        'GET /metrics',
        'GET /readyz',
        'POST /oauth/revoke',
        'POST /oauth/token',
        'POST /v1/auth/login',
        'POST /v1/hooks/{source}',
        // RFC 8935 push: the SET's signature (a trusted transmitter's key) is the authentication;
        // an unsigned or badly signed one is refused 401 `authentication_failed` (docs/signals.md).
        'POST /ssf/receive',
        // Single sign-on: discovery and the browser-facing pages, public by design (docs/sso.md).
        'GET /.well-known/openid-configuration',
        'GET /login',
        'POST /login',
        'POST /login/totp',
        'POST /login/consent',
        'GET /oauth/authorize',
        'GET /oauth/end-session',
        'POST /oauth/end-session',
      ]
        .sort()
        .filter((name) => operations.some((operation) => `${operation.method} ${operation.path}` === name)),
    );
  });
});
