import { Type } from 'typebox';
import {
  CANARY_PROBE_METHODS,
  type CanaryProbeRecord,
  type CanaryRunRecord,
} from '../../domain/canary/canary-records.js';
import { buildCanaryReport, renderCanaryReport } from '../../domain/canary/canary-report.js';
import { NAME_PATTERN } from '../../domain/claims.js';
import { CutoffError } from '../../domain/errors.js';
import { REPORT_FORMATS } from '../../domain/reports/group-access-report.js';
import { deleteCanaryProbe, putCanaryProbe } from '../../use-cases/canary/canary-probes.js';
import type { FastifyTypebox } from '../fastify-typebox.js';
import { requestContext } from '../request-context.js';
import { principalOf, requireScope, type RouteDeps } from '../route-deps.js';
import { ErrorBody } from '../schemas.js';

const tags = ['canary'];

const ProbeBody = Type.Object({
  name: Type.String(),
  url: Type.String(),
  method: Type.String(),
  header_names: Type.Array(Type.String(), {
    description: 'Configured header names; values are never shown.',
  }),
  timeout_ms: Type.Integer(),
  created_at: Type.String({ format: 'date-time' }),
  updated_at: Type.String({ format: 'date-time' }),
});

const RunBody = Type.Object({
  id: Type.String(),
  started_at: Type.String({ format: 'date-time' }),
  finished_at: Type.String({ format: 'date-time' }),
  kind: Type.String({ description: 'The revocation kind this cycle exercised.' }),
  ok: Type.Boolean(),
  probes: Type.Array(
    Type.Object({
      name: Type.String(),
      accepted: Type.Boolean({ description: 'It answered 2xx to the fresh token.' }),
      rejected_after_ms: Type.Union([Type.Integer(), Type.Null()], {
        description:
          'From the revocation commit to its first 401; null: it never refused before the deadline.',
      }),
      statuses: Type.Array(Type.Integer(), {
        description: 'Statuses in order, repeats collapsed; 0: no answer.',
      }),
      error: Type.Optional(Type.String()),
    }),
  ),
  refresh_refused: Type.Union([Type.Boolean(), Type.Null()], {
    description:
      'The refresh token was refused after the revocation (null for kind `token`, which keeps the session).',
  }),
  introspection_inactive: Type.Boolean(),
  guards: Type.Object({ applied: Type.Integer(), total: Type.Integer() }),
  error: Type.Optional(
    Type.String({ description: 'Why the cycle stopped early (e.g. the canary login failed).' }),
  ),
});

const presentProbe = (probe: CanaryProbeRecord) => ({
  name: probe.name,
  url: probe.url,
  method: probe.method,
  header_names: [...probe.headerNames],
  timeout_ms: probe.timeoutMs,
  created_at: probe.createdAt.toISOString(),
  updated_at: probe.updatedAt.toISOString(),
});

export const presentCanaryRun = (run: CanaryRunRecord) => ({
  id: run.id,
  started_at: run.startedAt.toISOString(),
  finished_at: run.finishedAt.toISOString(),
  kind: run.kind,
  ok: run.ok,
  probes: run.probes.map((probe) => ({
    name: probe.name,
    accepted: probe.accepted,
    rejected_after_ms: probe.rejectedAfterMs,
    statuses: [...probe.statuses],
    ...(probe.error !== null && { error: probe.error }),
  })),
  refresh_refused: run.refreshRefused,
  introspection_inactive: run.introspectionInactive,
  guards: { applied: run.guards.applied, total: run.guards.total },
  ...(run.error !== null && { error: run.error }),
});

/** The canary (docs/canary.md): probes, cycles on demand, recent results, the evidence report. */
export const canaryRoutes = (app: FastifyTypebox, deps: RouteDeps): void => {
  const admin = requireScope(deps, 'admin');
  const params = Type.Object({ name: Type.String({ pattern: NAME_PATTERN }) });

  app.put(
    '/v1/canary/probes/:name',
    {
      onRequest: admin,
      schema: {
        operationId: 'putCanaryProbe',
        summary: 'Register or replace a canary probe',
        tags,
        description:
          "Registers (or replaces) a probe: a protected endpoint of a connected app that must accept the canary's fresh token (2xx) and refuse it (401) after the revocation. The token goes in `Authorization: Bearer`; `headers` (e.g. an API gateway key) are stored sealed and only their names are ever shown. Redirects are not followed. 201 created, 200 replaced.",
        params,
        body: Type.Object(
          {
            url: Type.String({
              minLength: 1,
              maxLength: 2048,
              description: 'http:// or https://, without credentials.',
            }),
            method: Type.Optional(
              Type.Union(
                CANARY_PROBE_METHODS.map((method) => Type.Literal(method)),
                { default: 'GET' },
              ),
            ),
            headers: Type.Optional(
              Type.Record(
                Type.String({ pattern: "^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}$" }),
                Type.String({ maxLength: 4096 }),
                {
                  maxProperties: 20,
                },
              ),
            ),
            timeout_ms: Type.Optional(Type.Integer({ minimum: 50, maximum: 30_000, default: 2000 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: ProbeBody, 201: ProbeBody, 400: ErrorBody },
      },
    },
    async (request, reply) => {
      const { body } = request;
      const { probe, created } = await putCanaryProbe(
        deps.ctx,
        {
          name: request.params.name,
          url: body.url,
          method: body.method,
          headers: body.headers,
          timeoutMs: body.timeout_ms,
        },
        requestContext(request, principalOf(request).actor),
      );
      return reply.status(created ? 201 : 200).send(presentProbe(probe));
    },
  );

  app.get(
    '/v1/canary/probes',
    {
      onRequest: admin,
      schema: {
        operationId: 'listCanaryProbes',
        summary: 'List canary probes',
        tags,
        description: 'Every registered probe, by name (header names only).',
        response: { 200: Type.Object({ probes: Type.Array(ProbeBody) }) },
      },
    },
    async () => ({ probes: (await deps.ctx.store.read((r) => r.canary.listProbes())).map(presentProbe) }),
  );

  app.delete(
    '/v1/canary/probes/:name',
    {
      onRequest: admin,
      schema: {
        operationId: 'deleteCanaryProbe',
        summary: 'Remove a canary probe',
        tags,
        description: 'Removes a probe.',
        params,
        response: { 204: Type.Null(), 404: ErrorBody },
      },
    },
    async (request, reply) => {
      await deleteCanaryProbe(
        deps.ctx,
        request.params.name,
        requestContext(request, principalOf(request).actor),
      );
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/v1/canary/runs',
    {
      onRequest: admin,
      schema: {
        operationId: 'runCanary',
        summary: 'Run one canary cycle now',
        tags,
        description:
          'Runs one canary cycle now and answers its result (it takes up to `CUTOFF_CANARY_DEADLINE_MS` when a probe keeps accepting the revoked token). 409 while another cycle runs.',
        response: { 200: RunBody, 409: ErrorBody },
      },
    },
    async () => presentCanaryRun(await deps.canary.runNow()),
  );

  app.get(
    '/v1/canary/runs',
    {
      onRequest: admin,
      schema: {
        operationId: 'listCanaryRuns',
        summary: 'List recent canary results',
        tags,
        description: 'Recent canary results, most recent first.',
        querystring: Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 1000, default: 20 }) }),
        response: { 200: Type.Object({ runs: Type.Array(RunBody) }) },
      },
    },
    async (request) => ({
      runs: (await deps.ctx.store.read((r) => r.canary.recentRuns(request.query.limit))).map(
        presentCanaryRun,
      ),
    }),
  );

  app.get(
    '/v1/reports/canary',
    {
      onRequest: admin,
      schema: {
        operationId: 'getCanaryReport',
        summary: 'Canary evidence per probe (JSON, CSV or HTML)',
        tags: ['reports', ...tags],
        description:
          'Canary evidence per probe between `since` and `until` (default: the last 90 days): cycles run, passed, failed, worst and p99 time to reject, and every gap longer than two intervals without a passed cycle. `format`: `json` (default), `csv` or `html`.',
        querystring: Type.Object({
          since: Type.Optional(Type.String({ format: 'date-time' })),
          until: Type.Optional(Type.String({ format: 'date-time' })),
          format: Type.Union(
            REPORT_FORMATS.map((format) => Type.Literal(format)),
            { default: 'json' },
          ),
        }),
        response: {
          200: {
            description: 'The report in the requested format.',
            content: {
              'application/json': { schema: Type.Object({}, { additionalProperties: true }) },
              'text/csv': { schema: Type.String() },
              'text/html': { schema: Type.String() },
            },
          },
          400: ErrorBody,
        },
      },
    },
    async (request, reply) => {
      const { format } = request.query;
      const until = request.query.until === undefined ? deps.ctx.clock.now() : new Date(request.query.until);
      const since =
        request.query.since === undefined
          ? new Date(until.getTime() - 90 * 86_400_000)
          : new Date(request.query.since);
      if (!(since < until))
        throw new CutoffError('ERR_VALIDATION', { message: 'since must be before until.' });
      const runs = await deps.ctx.store.read((r) => r.canary.runsBetween(since, until));
      const report = buildCanaryReport(runs, {
        since,
        until,
        intervalSeconds: deps.config.canaryIntervalSeconds,
      });
      const rendered = renderCanaryReport(report, format);
      void reply.header('cache-control', 'no-store').header('x-content-type-options', 'nosniff');
      if (format === 'html')
        void reply.header(
          'content-security-policy',
          "default-src 'none'; style-src 'unsafe-inline'; img-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
        );
      if (format === 'csv')
        void reply.header('content-disposition', 'attachment; filename="canary-report.csv"');
      return reply.type(rendered.contentType).send(rendered.body);
    },
  );
};
