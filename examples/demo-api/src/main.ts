/* eslint-disable no-console -- a demo prints what it does */
import { createServer } from 'node:http';
import { createGuard } from '@cutoff/guard';
import { guardHandler } from '@cutoff/guard/node';

/**
 * A tiny "orders" API. Every request is checked by the guard: signature and claims against the
 * JWKS, revocation against local state kept current by the feed, no network call per request.
 */
const issuer = process.env.CUTOFF_ISSUER ?? 'http://localhost:7400';
const feedApiKey = process.env.CUTOFF_FEED_API_KEY;
if (feedApiKey === undefined || feedApiKey === '') {
  console.error(
    'Set CUTOFF_FEED_API_KEY (create one: cutoff apikeys create --name demo-api --scope feed:read).',
  );
  process.exit(1);
}
const port = Number(process.env.DEMO_PORT ?? 7500);

const guard = createGuard({
  issuer,
  audience: process.env.CUTOFF_AUDIENCE ?? 'cutoff',
  algorithms: ['RS256', 'ES256', 'EdDSA'],
  feedUrl: process.env.CUTOFF_FEED_URL ?? issuer,
  feedApiKey,
  app: 'demo-api',
  maxStalenessMs: 5000,
  whenStale: 'fail-closed',
});

const server = createServer((req, res) => {
  if (req.url === '/healthz') {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(guard.status()));
    return;
  }
  guardHandler(guard, (_req, response, claims) => {
    response.setHeader('content-type', 'application/json');
    response.end(
      JSON.stringify({ orders: [{ id: 1, item: 'coffee' }], for: claims.sub, roles: claims.roles }),
    );
  })(req, res);
});

await guard.ready;
server.listen(port, '127.0.0.1', () =>
  console.log(`demo-api on http://127.0.0.1:${port} (guarding with ${issuer})`),
);

const stop = (): void => {
  server.close();
  void guard.close();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
