import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/protected-app.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { startCachingApp, startGuardedApp, type RunningApp } from './apps.js';

const RULES = fileURLToPath(new URL('../../../../deploy/prometheus/cutoff-alerts.yml', import.meta.url));
const hasPromtool = spawnSync('promtool', ['--version']).status === 0;
/** Where CI runs, a missing promtool is a failure, not a skip (.ci/run installs it). */
const mustRun = process.env['CI'] !== undefined && process.env['CI'] !== '';

const ALERTING_METRICS = [
  'cutoff_canary_runs_total',
  'cutoff_canary_probe_passed',
  'cutoff_guard_max_lag_entries',
  'cutoff_outbox_messages',
];

/** `name{labels} value` lines of the metrics we alert on, keyed by series. */
const scrape = async (url: string): Promise<Map<string, number>> => {
  const text = await fetch(`${url}/metrics`).then((response) => response.text());
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = /^([a-z_]+)(\{[^}]*\})? (\S+)$/.exec(line);
    if (match === null || !ALERTING_METRICS.includes(match[1]!)) continue;
    const labels = (match[2] ?? '{}').replace(/^\{/, '{job="cutoff",instance="a",').replace(',}', '}');
    samples.set(`${match[1]}${labels}`, Number(match[3]));
  }
  return samples;
};

describe('the shipped Prometheus alert rules, against series scraped from a real server', () => {
  let t: TestServer;
  const apps: RunningApp[] = [];
  let proxy: TcpProxy;
  let passed: Map<string, number>;
  let failed: Map<string, number>;

  beforeAll(async () => {
    t = await startTestServer({ config: { canaryIntervalSeconds: 0, canaryDeadlineMs: 1000 } });
    const feedApiKey = await t.apiKey(['feed:read']);
    const orders = await startGuardedApp({ issuer: t.url, feedApiKey, app: 'orders' });
    apps.push(orders);
    await t.api('PUT', '/v1/canary/probes/orders', { url: orders.url });
    expect((await t.api('POST', '/v1/canary/runs')).body.ok).toBe(true);
    passed = await scrape(t.url);

    // Then the bad state: a caching proxy, a guard cut from its feed, a dead notification.
    const cached = await startCachingApp({ issuer: t.url, feedApiKey });
    apps.push(cached);
    await t.api('PUT', '/v1/canary/probes/cached-proxy', { url: cached.url });
    proxy = await startTcpProxy('127.0.0.1', Number(new URL(t.url).port));
    const behind = await startGuardedApp({
      issuer: t.url,
      feedApiKey,
      feedUrl: `http://127.0.0.1:${proxy.port}`,
      app: 'billing',
    });
    apps.push(behind);
    await eventually(
      async () =>
        (await t.api('GET', '/v1/guards')).body.guards.some(
          (guard: { app: string; connected: boolean }) => guard.app === 'billing' && guard.connected,
        ),
      5000,
    );
    proxy.cut();
    expect((await t.api('POST', '/v1/canary/runs')).body.ok).toBe(false);
    await t.store.transaction((tx) =>
      tx.outbox.enqueue({
        id: 'msg_dead',
        kind: 'email',
        payload: { to: 'ada@example.test' },
        status: 'pending',
        attempts: 0,
        nextAttemptAt: new Date(),
        lastError: null,
        createdAt: new Date(),
        deliveredAt: null,
      }),
    );
    await t.store.transaction((tx) => tx.outbox.markFailed('msg_dead', 'smtp 550', null));
    failed = await scrape(t.url);
  });

  afterAll(async () => {
    await Promise.all(apps.map((app) => app.close()));
    await proxy?.close();
    await t?.close();
  });

  it('scraped the series the rules read', () => {
    expect(passed.get('cutoff_canary_runs_total{job="cutoff",instance="a",result="failure"}')).toBe(0);
    expect(failed.get('cutoff_canary_runs_total{job="cutoff",instance="a",result="failure"}')).toBe(1);
    expect(failed.get('cutoff_canary_probe_passed{job="cutoff",instance="a",probe="cached-proxy"}')).toBe(0);
    expect(failed.get('cutoff_guard_max_lag_entries{job="cutoff",instance="a"}')).toBeGreaterThan(0);
    expect(failed.get('cutoff_outbox_messages{job="cutoff",instance="a",status="dead"}')).toBe(1);
  });

  it.skipIf(!hasPromtool && !mustRun)(
    'pass promtool check and fire exactly as documented on those series',
    async () => {
      expect(hasPromtool, 'promtool is missing: apt-get install -y prometheus').toBe(true);
      execFileSync('promtool', ['check', 'rules', RULES]);
      // Ten minutes of the passing state, then forty of the failing one, one sample a minute.
      const series = [...new Set([...passed.keys(), ...failed.keys()])].map((key) => ({
        series: key,
        values: `${passed.get(key) ?? '_'}x9 ${failed.get(key) ?? '_'}x40`,
      }));
      const lag = failed.get('cutoff_guard_max_lag_entries{job="cutoff",instance="a"}');
      const runbook = (anchor: string) => `docs/operations.md#${anchor}`;
      const red = 'docs/runbooks/canary-red.md';
      const tests = {
        rule_files: [RULES],
        evaluation_interval: '1m',
        tests: [
          {
            interval: '1m',
            input_series: series,
            alert_rule_test: [
              ...[
                'CutoffCanaryFailing',
                'CutoffCanaryProbeFailing',
                'CutoffGuardLagging',
                'CutoffNotificationsDead',
              ].map((alertname) => ({ eval_time: '5m', alertname, exp_alerts: [] })),
              {
                eval_time: '12m',
                alertname: 'CutoffCanaryFailing',
                exp_alerts: [
                  {
                    exp_labels: { severity: 'critical' },
                    exp_annotations: {
                      summary: 'The Cutoff canary failed in the last 10 minutes; revocation is not proven.',
                      runbook: red,
                    },
                  },
                ],
              },
              {
                eval_time: '12m',
                alertname: 'CutoffCanaryProbeFailing',
                exp_alerts: [
                  {
                    exp_labels: { severity: 'critical', probe: 'cached-proxy' },
                    exp_annotations: {
                      summary: 'Canary probe cached-proxy did not refuse the revoked canary token in time.',
                      runbook: red,
                    },
                  },
                ],
              },
              { eval_time: '11m', alertname: 'CutoffGuardLagging', exp_alerts: [] },
              {
                eval_time: '13m',
                alertname: 'CutoffGuardLagging',
                exp_alerts: [
                  {
                    exp_labels: { severity: 'warning' },
                    exp_annotations: {
                      summary: `A connected guard is ${lag} revocation entries behind the feed head.`,
                      runbook: runbook('a-guard-is-lagging'),
                    },
                  },
                ],
              },
              {
                eval_time: '12m',
                alertname: 'CutoffNotificationsDead',
                exp_alerts: [
                  {
                    exp_labels: { severity: 'warning' },
                    exp_annotations: {
                      summary: 'Notifications gave up after their last attempt (1 dead); replay them.',
                      runbook: runbook('dead-notifications'),
                    },
                  },
                ],
              },
              // The failing cycle counts as a run; fifteen flat minutes after it, nothing runs.
              { eval_time: '20m', alertname: 'CutoffCanaryNotRunning', exp_alerts: [] },
              {
                eval_time: '35m',
                alertname: 'CutoffCanaryNotRunning',
                exp_alerts: [
                  {
                    exp_labels: { severity: 'warning' },
                    exp_annotations: {
                      summary: 'The Cutoff canary has not run for 15 minutes.',
                      runbook: red,
                    },
                  },
                ],
              },
            ],
          },
        ],
      };
      const directory = await mkdtemp(join(tmpdir(), 'cutoff-promtool-'));
      try {
        const file = join(directory, 'tests.yml');
        // JSON is YAML: promtool reads it as it is.
        await writeFile(file, JSON.stringify(tests, null, 2));
        const result = spawnSync('promtool', ['test', 'rules', file], { encoding: 'utf8' });
        expect(result.status, `${result.stdout}\n${result.stderr}`).toBe(0);
      } finally {
        await rm(directory, { recursive: true, force: true });
      }
    },
  );
});
