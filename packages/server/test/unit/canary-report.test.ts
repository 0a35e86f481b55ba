import { describe, expect, it } from 'vitest';
import type { CanaryProbeResult, CanaryRunRecord } from '../../src/domain/canary/canary-records.js';
import { buildCanaryReport, renderCanaryReport } from '../../src/domain/canary/canary-report.js';

const T0 = Date.parse('2026-10-01T00:00:00Z');
const MINUTE = 60_000;

const result = (name: string, rejectedAfterMs: number | null): CanaryProbeResult => ({
  name,
  accepted: true,
  rejectedAfterMs,
  statuses: rejectedAfterMs === null ? [200] : [200, 401],
  error: rejectedAfterMs === null ? 'still accepted the revoked token after 10000 ms' : null,
});

const run = (minute: number, probes: readonly CanaryProbeResult[]): CanaryRunRecord => ({
  id: `can_${minute}`,
  startedAt: new Date(T0 + minute * MINUTE),
  finishedAt: new Date(T0 + minute * MINUTE + 500),
  kind: 'session',
  ok: probes.every((probe) => probe.rejectedAfterMs !== null),
  probes,
  refreshRefused: true,
  introspectionInactive: true,
  guards: { applied: 1, total: 1 },
  error: null,
});

describe('the canary evidence report', () => {
  // Every 5 minutes from 0 to 60; `edge` fails at 15, 20 and 25, and no cycle ran at 45.
  const runs = [0, 5, 10, 15, 20, 25, 30, 35, 40, 50, 55, 60].map((minute) =>
    run(minute, [result('orders', 10 + minute), result('edge', minute >= 15 && minute <= 25 ? null : 40)]),
  );
  const report = buildCanaryReport(runs, {
    since: new Date(T0),
    until: new Date(T0 + 65 * MINUTE),
    intervalSeconds: 300,
  });

  it('counts cycles, passes and failures per probe, with the worst and p99 time to reject', () => {
    expect(report).toMatchObject({ cycles: 12, passed: 9, failed: 3 });
    expect(report.probes.find((probe) => probe.probe === 'orders')).toMatchObject({
      cycles: 12,
      passed: 12,
      failed: 0,
      worst_ms: 70,
      p99_ms: 70,
    });
    expect(report.probes.find((probe) => probe.probe === 'edge')).toMatchObject({
      cycles: 12,
      passed: 9,
      failed: 3,
      worst_ms: 40,
    });
  });

  it('lists every stretch longer than two intervals without a passed cycle, and only those', () => {
    const edge = report.probes.find((probe) => probe.probe === 'edge');
    // Passed at 10, next at 30: 20 minutes. The missing cycle at 45 leaves 40 -> 50: 10 minutes, not a gap.
    expect(edge?.gaps).toEqual([
      { from: '2026-10-01T00:10:00.000Z', to: '2026-10-01T00:30:00.000Z', seconds: 1200 },
    ]);
    expect(report.probes.find((probe) => probe.probe === 'orders')?.gaps).toEqual([]);
  });

  it('renders CSV with one row per gap and formula-safe cells, and HTML with escaped names', () => {
    const csv = renderCanaryReport(
      buildCanaryReport([run(0, [result('=cmd()', null)])], {
        since: new Date(T0),
        until: new Date(T0 + 20 * MINUTE),
        intervalSeconds: 300,
      }),
      'csv',
    ).body;
    expect(csv.split('\r\n')[1]).toMatch(
      /^'=cmd\(\),1,0,1,,,2026-10-01T00:00:00.000Z,2026-10-01T00:20:00.000Z,1200$/,
    );
    const html = renderCanaryReport(
      buildCanaryReport([run(0, [result('<script>', 5)])], {
        since: new Date(T0),
        until: new Date(T0 + 5 * MINUTE),
        intervalSeconds: 300,
      }),
      'html',
    ).body;
    expect(html).toContain('&lt;script&gt;');
    expect(html).not.toContain('<script>');
  });
});
