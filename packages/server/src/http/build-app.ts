import formbody from '@fastify/formbody';
import swagger from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { LogController, type FastifyServerOptions } from 'fastify';
import type { DestinationStream } from 'pino';
import { serializeRequest } from './edge/access-log.js';
import { refuseHostileInput } from './edge/hostile-input.js';
import { errorHandler } from './error-handler.js';
import type { FastifyTypebox } from './fastify-typebox.js';
import { lazyChildLoggerFactory } from './lazy-child-logger.js';
import type { RouteDeps } from './route-deps.js';
import { adminRoutes } from './routes/admin.js';
import { auditRoutes } from './routes/audit.js';
import { authRoutes } from './routes/auth.js';
import { canaryRoutes } from './routes/canary.js';
import { destinationRoutes } from './routes/destinations.js';
import { groupRoutes } from './routes/groups.js';
import { guardRoutes } from './routes/guards.js';
import { healthRoutes } from './routes/health.js';
import { hookRoutes } from './routes/hooks.js';
import { incidentRoutes } from './routes/incident.js';
import { oauthRoutes } from './routes/oauth.js';
import { oidcRoutes } from './routes/oidc/index.js';
import { outboxRoutes } from './routes/outbox.js';
import { reportRoutes } from './routes/reports.js';
import { revocationStreamRoutes } from './routes/revocation-stream.js';
import { revocationRoutes } from './routes/revocations.js';
import { scimRoutes } from './routes/scim/index.js';
import { sessionRoutes } from './routes/sessions.js';
import { signalRoutes } from './routes/signals.js';
import { userRoutes } from './routes/users.js';
import { wellKnownRoutes } from './routes/well-known.js';
import { withErrorResponses } from './openapi/error-responses.js';
import { hoistNamedSchemas } from './openapi/named-schemas.js';
import { ErrorBody, OAuthErrorBody, ScimErrorBody, SsfErrorBody } from './schemas.js';
import { createRouteTable, notFoundOrMethodNotAllowed } from './route-table.js';
import { createValidatorCompiler, formatRequestValidationErrors } from './validator-compiler.js';

/** Log redaction: anything that may hold a secret, wherever it appears. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  '*.code_verifier',
  '*.id_token',
  '*.id_token_hint',
  'headers.authorization',
  '*.password',
  '*.totp',
  '*.token',
  '*.access_token',
  '*.refresh_token',
  '*.client_secret',
  '*.key',
  '*.secret',
  '*.adminKey',
  '*.encryptionKey',
  '*.encryptionPreviousKeys',
];

export interface BuildAppOptions {
  readonly logLevel: string;
  readonly trustProxy: boolean;
  /** Where logs go (tests capture them to prove no secret is written). */
  readonly logStream?: DestinationStream | undefined;
}

export const buildApp = async (deps: RouteDeps, options: BuildAppOptions): Promise<FastifyTypebox> => {
  const logger: FastifyServerOptions['logger'] = {
    level: options.logLevel,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    serializers: { req: serializeRequest },
    ...(options.logStream !== undefined && { stream: options.logStream }),
  };
  const app = Fastify({
    logger,
    trustProxy: options.trustProxy,
    bodyLimit: 256 * 1024,
    return503OnClosing: true,
    childLoggerFactory: lazyChildLoggerFactory,
    // One access line per request, written in onResponse below; Fastify's own are two. Through a
    // LogController: the top-level `disableRequestLogging` prints FSTDEP023 on every start.
    logController: new LogController({ disableRequestLogging: true }),
    schemaErrorFormatter: formatRequestValidationErrors,
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.setValidatorCompiler(createValidatorCompiler());
  // JSON only, unless a scope says otherwise (OAuth takes forms, SCIM its media type, webhooks
  // raw bytes): a text/plain body is a 415, not a string that then fails validation with a 400.
  app.removeContentTypeParser('text/plain');
  const routeTable = createRouteTable();
  app.addHook('onRoute', routeTable.onRoute);
  app.decorate('routeTable', routeTable);
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Cutoff',
        version: '0.1.0',
        description: 'Session authority: login, tokens, sessions, revocation, audit.',
        license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
      },
      servers: [{ url: deps.config.issuer, description: 'This Cutoff server (its issuer URL).' }],
      components: {
        securitySchemes: {
          apiKey: { type: 'http', scheme: 'bearer', description: 'Admin or scoped API key.' },
          accessToken: {
            type: 'http',
            scheme: 'bearer',
            bearerFormat: 'JWT',
            description: 'An access token.',
          },
          clientBasic: {
            type: 'http',
            scheme: 'basic',
            description: 'OAuth client id and secret (or `client_id`/`client_secret` in the form).',
          },
        },
      },
      security: [{ apiKey: [] }],
    },
    transform: withErrorResponses,
    transformObject: (document) =>
      'openapiObject' in document ? hoistNamedSchemas(document.openapiObject) : document.swaggerObject,
    // Components are named by their `$id` (`Error`), not `def-0`.
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) =>
        typeof json.$id === 'string' ? json.$id : `def-${i}`,
    },
  });
  app.addSchema(ErrorBody);
  app.addSchema(OAuthErrorBody);
  app.addSchema(ScimErrorBody);
  app.addSchema(SsfErrorBody);
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler(notFoundOrMethodNotAllowed(routeTable));
  app.addHook('onResponse', (request, reply, done) => {
    request.log.info({ req: request, res: reply, responseTime: reply.elapsedTime }, 'request completed');
    deps.metrics.httpDuration.observe(
      {
        method: request.method,
        route: request.routeOptions.url ?? 'unknown',
        status: String(reply.statusCode),
      },
      reply.elapsedTime / 1000,
    );
    done();
  });

  // Drain on shutdown: responses finishing after close began also close their connection, so
  // no kept-alive socket holds the process open until its keep-alive timeout.
  let closing = false;
  let idleSweep: NodeJS.Timeout | undefined;
  app.addHook('preClose', (done) => {
    closing = true;
    // Kept-alive sockets that turn idle after close began (a client's request answered 503)
    // would otherwise hold shutdown open until the client's own idle timeout.
    idleSweep = setInterval(() => app.server.closeIdleConnections(), 50);
    idleSweep.unref();
    done();
  });
  app.addHook('onClose', (_instance, done) => {
    clearInterval(idleSweep);
    done();
  });
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (closing) void reply.header('connection', 'close');
    done(null, payload);
  });

  // After every route's authentication (onRequest) and parsing, before its schema and handler.
  app.addHook('preValidation', refuseHostileInput);

  // Form bodies (RFC 6749, and the hosted login's HTML forms) are for the OAuth and OpenID
  // endpoints only; elsewhere they are a 415.
  await app.register(async (scope: FastifyTypebox) => {
    await scope.register(formbody, { bodyLimit: 64 * 1024 });
    oauthRoutes(scope, deps);
    oidcRoutes(scope, deps);
  });
  for (const routes of [
    healthRoutes,
    wellKnownRoutes,
    authRoutes,
    userRoutes,
    sessionRoutes,
    revocationRoutes,
    revocationStreamRoutes,
    guardRoutes,
    auditRoutes,
    adminRoutes,
    hookRoutes,
    incidentRoutes,
    groupRoutes,
    reportRoutes,
    outboxRoutes,
    scimRoutes,
    canaryRoutes,
    destinationRoutes,
    signalRoutes,
  ]) {
    routes(app, deps);
  }
  app.get('/openapi.json', { schema: { hide: true } }, () => app.swagger());
  return app;
};
