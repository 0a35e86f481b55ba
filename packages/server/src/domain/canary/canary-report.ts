import { csvDocument } from '../reports/csv.js';
import { escapeHtml } from '../reports/html.js';
import type { ReportFormat } from '../reports/group-access-report.js';
import { probePassed, type CanaryRunRecord } from './canary-records.js';

/**
 * The canary evidence report: per probe, how many cycles ran in the window, how many it passed,
 * the worst and p99 time to reject, and every gap longer than two intervals in which revocation
 * was not proven on it. Pure: built from the stored runs, rendered as JSON, CSV or HTML.
 */

export interface CanaryGap {
  readonly from: string;
  readonly to: string;
  readonly seconds: number;
}

export interface CanaryProbeSummary {
  readonly probe: string;
  readonly cycles: number;
  readonly passed: number;
  readonly failed: number;
  readonly worst_ms: number | null;
  readonly p99_ms: number | null;
  /** Stretches longer than two intervals without a passed cycle on this probe. */
  readonly gaps: readonly CanaryGap[];
}

export interface CanaryReport {
  readonly since: string;
  readonly until: string;
  readonly interval_seconds: number;
  readonly cycles: number;
  readonly passed: number;
  readonly failed: number;
  readonly probes: readonly CanaryProbeSummary[];
}

/** Nearest-rank percentile of ascending values. */
const percentile = (sorted: readonly number[], p: number): number | null =>
  sorted.length === 0 ? null : (sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? null);

const gapsBetween = (proofs: readonly number[], since: number, until: number, maxMs: number): CanaryGap[] => {
  const gaps: CanaryGap[] = [];
  const points = [since, ...proofs, until];
  for (let index = 1; index < points.length; index += 1) {
    const from = points[index - 1] ?? since;
    const to = points[index] ?? until;
    if (to - from > maxMs)
      gaps.push({
        from: new Date(from).toISOString(),
        to: new Date(to).toISOString(),
        seconds: Math.round((to - from) / 1000),
      });
  }
  return gaps;
};

export const buildCanaryReport = (
  runs: readonly CanaryRunRecord[],
  window: { readonly since: Date; readonly until: Date; readonly intervalSeconds: number },
): CanaryReport => {
  const names = [...new Set(runs.flatMap((run) => run.probes.map((probe) => probe.name)))].sort();
  const maxGapMs = 2 * Math.max(1, window.intervalSeconds) * 1000;
  const probes = names.map((name): CanaryProbeSummary => {
    const results = runs.flatMap((run) => {
      const result = run.probes.find((probe) => probe.name === name);
      return result === undefined ? [] : [{ run, result }];
    });
    const passing = results.filter(({ result }) => probePassed(result));
    const times = passing.map(({ result }) => result.rejectedAfterMs ?? 0).sort((a, b) => a - b);
    return {
      probe: name,
      cycles: results.length,
      passed: passing.length,
      failed: results.length - passing.length,
      worst_ms: times.at(-1) ?? null,
      p99_ms: percentile(times, 99),
      gaps: gapsBetween(
        passing.map(({ run }) => run.startedAt.getTime()),
        window.since.getTime(),
        window.until.getTime(),
        maxGapMs,
      ),
    };
  });
  const passed = runs.filter((run) => run.ok).length;
  return {
    since: window.since.toISOString(),
    until: window.until.toISOString(),
    interval_seconds: window.intervalSeconds,
    cycles: runs.length,
    passed,
    failed: runs.length - passed,
    probes,
  };
};

const CSV_COLUMNS = [
  'probe',
  'cycles',
  'passed',
  'failed',
  'worst_ms',
  'p99_ms',
  'gap_from',
  'gap_to',
  'gap_seconds',
];

/** One row per probe and gap (a probe without gaps has one row with empty gap cells). */
const canaryReportCsv = (report: CanaryReport): string =>
  csvDocument(
    CSV_COLUMNS,
    report.probes.flatMap((probe) => {
      const head = [
        probe.probe,
        probe.cycles,
        probe.passed,
        probe.failed,
        probe.worst_ms,
        probe.p99_ms,
      ] as const;
      return probe.gaps.length === 0
        ? [[...head, null, null, null]]
        : probe.gaps.map((gap) => [...head, gap.from, gap.to, gap.seconds]);
    }),
  );

const canaryReportHtml = (report: CanaryReport): string => {
  const rows = report.probes
    .map(
      (probe) =>
        `<tr><td><code>${escapeHtml(probe.probe)}</code></td><td>${probe.cycles}</td><td>${probe.passed}</td><td class="${probe.failed > 0 ? 'bad' : ''}">${probe.failed}</td><td>${escapeHtml(probe.worst_ms)}</td><td>${escapeHtml(probe.p99_ms)}</td><td>${
          probe.gaps.length === 0
            ? 'none'
            : `<ul>${probe.gaps.map((gap) => `<li class="bad">${escapeHtml(gap.from)} to ${escapeHtml(gap.to)} (${gap.seconds} s)</li>`).join('')}</ul>`
        }</td></tr>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Canary report</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem}table{border-collapse:collapse}td,th{border:1px solid #999;padding:.3rem .6rem;text-align:left;vertical-align:top}.bad{color:#a00000}ul{margin:0;padding-left:1rem}</style>
</head><body>
<h1>Canary report</h1>
<p>Revocation proven end to end from ${escapeHtml(report.since)} to ${escapeHtml(report.until)}, one cycle every ${report.interval_seconds} s: ${report.cycles} cycles, ${report.passed} passed, ${report.failed} failed. A gap is a stretch longer than two intervals in which the probe did not pass a cycle.</p>
<table><thead><tr><th>Probe</th><th>Cycles</th><th>Passed</th><th>Failed</th><th>Worst time to reject (ms)</th><th>p99 (ms)</th><th>Gaps</th></tr></thead>
<tbody>
${rows}
</tbody></table>
</body></html>
`;
};

export const renderCanaryReport = (
  report: CanaryReport,
  format: ReportFormat,
): { readonly contentType: string; readonly body: string } => {
  switch (format) {
    case 'json':
      return { contentType: 'application/json; charset=utf-8', body: `${JSON.stringify(report, null, 2)}\n` };
    case 'csv':
      return { contentType: 'text/csv; charset=utf-8; header=present', body: canaryReportCsv(report) };
    case 'html':
      return { contentType: 'text/html; charset=utf-8', body: canaryReportHtml(report) };
  }
};
