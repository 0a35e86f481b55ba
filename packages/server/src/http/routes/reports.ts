import { Type } from 'typebox';
import { NAME_PATTERN } from '../../domain/claims.js';
import { REPORT_FORMATS, renderGroupReport } from '../../domain/reports/group-access-report.js';
import { buildGroupAccessReport } from '../../use-cases/groups/group-access-report.js';
import type { FastifyTypebox } from '../fastify-typebox.js';
import { requireScope, type RouteDeps } from '../route-deps.js';
import { ErrorBody } from '../schemas.js';

/** Evidence reports, rendered by the pure formatters of domain/reports. */
export const reportRoutes = (app: FastifyTypebox, deps: RouteDeps): void => {
  app.get(
    '/v1/reports/groups/:name',
    {
      onRequest: requireScope(deps, 'admin'),
      schema: {
        operationId: 'getGroupAccessReport',
        summary: 'Group access report (audit evidence)',
        tags: ['reports'],
        description:
          'Group access report for audit evidence: the group (end date, when it ended), each member (current ones and those removed when it ended), their last active session, whether each session is revoked, and the proof of revocation (revocation id and feed seq, effective time, audit seq and hash). `format`: `json` (default), `csv` (RFC 4180, formula-safe cells) or `html` (a self-contained printable page).',
        params: Type.Object({ name: Type.String({ pattern: NAME_PATTERN }) }),
        querystring: Type.Object({
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
          404: ErrorBody,
        },
      },
    },
    async (request, reply) => {
      const report = await buildGroupAccessReport(deps.ctx, request.params.name);
      const { format } = request.query;
      const rendered = renderGroupReport(report, format);
      void reply.header('cache-control', 'no-store').header('x-content-type-options', 'nosniff');
      if (format === 'html') {
        // No script may run in evidence: inline style only, nothing loaded from anywhere.
        void reply.header(
          'content-security-policy',
          "default-src 'none'; style-src 'unsafe-inline'; img-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
        );
      }
      if (format !== 'json') {
        const extension = format === 'csv' ? 'csv' : 'html';
        void reply.header(
          'content-disposition',
          `${format === 'csv' ? 'attachment' : 'inline'}; filename="group-report-${request.params.name.replace(/[^A-Za-z0-9._-]/g, '_')}.${extension}"`,
        );
      }
      return reply.type(rendered.contentType).send(rendered.body);
    },
  );
};
