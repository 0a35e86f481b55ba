import { writeFileSync } from 'node:fs';
import {
  REPORT_FORMATS,
  renderGroupReport,
  type GroupAccessReport,
  type ReportFormat,
} from '../../domain/reports/group-access-report.js';
import { renderCanaryReport, type CanaryReport } from '../../domain/canary/canary-report.js';
import type { AdminClient } from '../admin-client.js';
import type { Output } from '../output.js';
import { withProgress } from '../progress.js';

export interface ReportDeps {
  readonly client: AdminClient;
  readonly out: Output;
}

const isFormat = (value: string): value is ReportFormat =>
  (REPORT_FORMATS as readonly string[]).includes(value);

/**
 * `cutoff report group <name>`: fetches the report as JSON from the admin API and renders it with
 * the same formatter the API uses, so the CLI and `?format=` give the same document.
 */
export const reportGroup = async (
  { client, out }: ReportDeps,
  name: string,
  options: { readonly format: string; readonly out?: string },
): Promise<void> => {
  if (!isFormat(options.format)) throw new Error(`unknown format ${options.format} (json, csv or html)`);
  const report = await withProgress(out, `building the access report of ${name}`, () =>
    client.request<GroupAccessReport>('GET', `/v1/reports/groups/${encodeURIComponent(name)}?format=json`),
  );
  const { body } = renderGroupReport(report, options.format);
  if (options.out === undefined) {
    process.stdout.write(body);
    return;
  }
  writeFileSync(options.out, body, { mode: 0o600 });
  out.info(
    `wrote the ${options.format} report of group ${name} (${report.members.length} members) to ${options.out}`,
  );
};

/**
 * `cutoff report canary`: the canary's evidence per probe (docs/canary.md), rendered like the
 * API's `?format=` from the JSON the admin API answers.
 */
export const reportCanary = async (
  { client, out }: ReportDeps,
  options: {
    readonly format: string;
    readonly since?: string;
    readonly until?: string;
    readonly out?: string;
  },
): Promise<void> => {
  if (!isFormat(options.format)) throw new Error(`unknown format ${options.format} (json, csv or html)`);
  const query = new URLSearchParams({ format: 'json' });
  if (options.since !== undefined) query.set('since', options.since);
  if (options.until !== undefined) query.set('until', options.until);
  const report = await withProgress(out, 'building the canary report', () =>
    client.request<CanaryReport>('GET', `/v1/reports/canary?${query.toString()}`),
  );
  const { body } = renderCanaryReport(report, options.format);
  if (options.out === undefined) {
    process.stdout.write(body);
    return;
  }
  writeFileSync(options.out, body, { mode: 0o600 });
  out.info(`wrote the ${options.format} canary report (${report.probes.length} probes) to ${options.out}`);
};
