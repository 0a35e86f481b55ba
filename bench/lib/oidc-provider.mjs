import { Buffer } from 'node:buffer';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { defer } from './cleanup.mjs';
import { freePort } from './cutoff-server.mjs';
import { call, mapLimit } from './http.mjs';

/**
 * oidc-provider (a certified Node.js authorization server) as the introspection baseline: one
 * confidential client with client_credentials, opaque access tokens in its default in-memory
 * adapter, introspection authenticated with client_secret_basic.
 */
export const startOidcProvider = async () => {
  // Imported on use: it prints warnings (Node 20 is below its supported runtime) when loaded.
  const { default: Provider } = await import('oidc-provider');
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const clientId = 'bench-resource-server';
  const clientSecret = randomBytes(32).toString('base64url');
  const provider = new Provider(origin, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        grant_types: ['client_credentials'],
        redirect_uris: [],
        response_types: [],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: {
        enabled: true,
        // A client may introspect the tokens issued to itself (the default policy, made explicit).
        allowedPolicy: (_ctx, client, token) => token.clientId === client.clientId,
      },
    },
  });
  const server = createServer(provider.callback());
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  const close = defer('oidc-provider', () => {
    server.closeAllConnections();
    return new Promise((resolve) => server.close(() => resolve()));
  });
  const authorization = `Basic ${Buffer.from(
    `${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`,
  ).toString('base64')}`;

  /** `count` opaque access tokens from the token endpoint. */
  const issueTokens = (count) =>
    mapLimit(Array.from({ length: count }), 8, async () => {
      const { body } = await call(origin, 'POST', '/token', {
        form: { grant_type: 'client_credentials' },
        headers: { authorization },
      });
      if (typeof body.access_token !== 'string') throw new Error('oidc-provider issued no access token');
      return body.access_token;
    });

  return { origin, authorization, introspectionPath: '/token/introspection', issueTokens, close };
};
