import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kyselyOf } from '../support/stores.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { eventually } from '../support/protected-app.js';
import { freePort, startTestServer, type TestServer } from '../support/test-server.js';
import {
  startCachingApp,
  startDemoApi,
  startGuardedApp,
  startHangingApp,
  startRecorder,
  type RunningApp,
} from './apps.js';

const DEADLINE_MS = 1500;
const ENCRYPTION_KEY = Buffer.alloc(32, 7).toString('base64');

interface ProbeResult {
  readonly name: string;
  readonly accepted: boolean;
  readonly rejected_after_ms: number | null;
  readonly statuses: number[];
  readonly error?: string;
}

const probeOf = (run: { probes: ProbeResult[] }, name: string): ProbeResult => {
  const found = run.probes.find((probe) => probe.name === name);
  if (found === undefined) throw new Error(`no probe ${name} in ${JSON.stringify(run)}`);
  return found;
};

describe('the canary against real apps over real HTTP', () => {
  let t: TestServer;
  let feedKey: string;
  const apps: RunningApp[] = [];
  let demo: RunningApp;

  const putProbe = (name: string, body: Record<string, unknown>) =>
    t.api('PUT', `/v1/canary/probes/${name}`, body);
  const runOnce = async () => {
    const response = await t.api('POST', '/v1/canary/runs');
    expect(response.status).toBe(200);
    return response.body;
  };
  const removeAllProbes = async () => {
    for (const probe of (await t.api('GET', '/v1/canary/probes')).body.probes)
      await t.api('DELETE', `/v1/canary/probes/${probe.name}`);
  };

  beforeAll(async () => {
    t = await startTestServer({
      config: {
        canaryIntervalSeconds: 0,
        canaryDeadlineMs: DEADLINE_MS,
        canaryGroups: ['canary-group'],
        canaryRoles: ['canary-role'],
        encryptionKey: ENCRYPTION_KEY,
      },
    });
    feedKey = await t.apiKey(['feed:read']);
    demo = await startDemoApi(t.url, feedKey);
    apps.push(demo);
  });

  afterAll(async () => {
    await Promise.all(apps.map((app) => app.close()));
    await t.close();
  });

  it('passes on the guarded demo API for every kind it rotates through, chain included', async () => {
    await removeAllProbes();
    expect((await putProbe('demo-api', { url: `${demo.url}/orders` })).status).toBe(201);
    const kinds: string[] = [];
    for (let cycle = 0; cycle < 5; cycle += 1) {
      const run = await runOnce();
      kinds.push(run.kind);
      expect(run, JSON.stringify(run)).toMatchObject({
        ok: true,
        refresh_refused: run.kind === 'token' ? null : true,
        introspection_inactive: true,
      });
      expect(run.guards.total).toBeGreaterThanOrEqual(1);
      expect(run.guards.applied).toBe(run.guards.total);
      const probe = probeOf(run, 'demo-api');
      expect(probe.accepted).toBe(true);
      expect(probe.rejected_after_ms).toBeGreaterThanOrEqual(0);
      expect(probe.rejected_after_ms).toBeLessThan(DEADLINE_MS);
      expect(probe.statuses.at(0)).toBe(200);
      expect(probe.statuses.at(-1)).toBe(401);
    }
    expect(new Set(kinds)).toEqual(new Set(['session', 'user', 'token', 'group', 'role']));
    const listed = await t.api('GET', '/v1/canary/runs?limit=5');
    expect(listed.body.runs.map((run: { kind: string }) => run.kind)).toEqual([...kinds].reverse());

    // Audited as the canary, with reason canary, and never with the token or password.
    const audit = await t.api('GET', '/v1/audit?limit=200');
    const revocations = audit.body.events.filter((event: { action: string }) =>
      event.action.endsWith('.revoked'),
    );
    expect(revocations.length).toBeGreaterThanOrEqual(5);
    for (const event of revocations)
      expect(event).toMatchObject({ actor: { type: 'canary', id: 'canary' }, reason: 'canary' });
    expect(JSON.stringify(audit.body)).not.toMatch(/canary_pw_|eyJ/);
  });

  it('names the app that caches allow decisions, with rejected_after_ms null, and a probe that is down, without failing the others', async () => {
    await removeAllProbes();
    const cached = await startCachingApp({ issuer: t.url, feedApiKey: feedKey });
    apps.push(cached);
    const downPort = await freePort();
    await putProbe('demo-api', { url: `${demo.url}/orders` });
    await putProbe('cached-proxy', { url: `${cached.url}/orders` });
    await putProbe('down', { url: `http://127.0.0.1:${downPort}/orders`, timeout_ms: 300 });
    const hung = await startHangingApp();
    apps.push(hung);
    await putProbe('hung', { url: hung.url, timeout_ms: 300 });

    const run = await runOnce();
    expect(run.ok).toBe(false);
    expect(probeOf(run, 'demo-api')).toMatchObject({ accepted: true });
    expect(probeOf(run, 'demo-api').rejected_after_ms).not.toBeNull();
    expect(probeOf(run, 'demo-api').error).toBeUndefined();
    expect(probeOf(run, 'cached-proxy')).toMatchObject({
      accepted: true,
      rejected_after_ms: null,
      statuses: [200],
      error: `still accepted the revoked token after ${DEADLINE_MS} ms`,
    });
    expect(probeOf(run, 'down')).toMatchObject({
      accepted: false,
      rejected_after_ms: null,
      error: 'connection failed: ECONNREFUSED',
    });
    expect(probeOf(run, 'hung')).toMatchObject({
      accepted: false,
      rejected_after_ms: null,
      error: 'no answer within 300 ms',
    });
    // The chain itself still works: the failure is the apps', and the result says so.
    expect(run.introspection_inactive).toBe(true);

    const metrics = await fetch(`${t.url}/metrics`).then((response) => response.text());
    expect(metrics).toMatch(/cutoff_canary_runs_total\{result="failure"\} [1-9]/);
    expect(metrics).toMatch(/cutoff_canary_time_to_reject_seconds_count\{probe="demo-api"\} [1-9]/);
    expect(metrics).toMatch(/cutoff_canary_last_success_timestamp_seconds\{probe="demo-api"\} \d+/);
    expect(metrics).not.toMatch(/cutoff_canary_last_success_timestamp_seconds\{probe="cached-proxy"\}/);
    expect(t.logs.join('')).toMatch(/canary cycle FAILED/);
  });

  it('fails on a guarded app whose feed is cut while it is configured fail-open', async () => {
    await removeAllProbes();
    const proxy: TcpProxy = await startTcpProxy('127.0.0.1', Number(new URL(t.url).port));
    const open = await startGuardedApp({
      issuer: t.url,
      feedApiKey: feedKey,
      feedUrl: `http://127.0.0.1:${proxy.port}`,
      app: 'fail-open-app',
      whenStale: 'fail-open',
      maxStalenessMs: 1000,
    });
    apps.push(open, { url: '', close: () => proxy.close() });
    await putProbe('fail-open-app', { url: open.url });
    expect((await runOnce()).ok).toBe(true); // healthy while its feed is up

    proxy.cut();
    await eventually(() => open.guard.status().degraded, 5000);
    const run = await runOnce();
    expect(run.ok).toBe(false);
    expect(probeOf(run, 'fail-open-app')).toMatchObject({
      accepted: true,
      rejected_after_ms: null,
      statuses: [200],
    });
    // The probes of earlier cycles, removed since, are no longer reported.
    const metrics = await fetch(`${t.url}/metrics`).then((response) => response.text());
    expect(metrics).toMatch(/^cutoff_canary_probe_passed\{probe="fail-open-app"\} 0$/m);
    expect(metrics).not.toMatch(/cutoff_canary_probe_passed\{probe="cached-proxy"\}/);
  });

  it('never follows a redirect with the token, sends sealed headers, and shows their names only', async () => {
    await removeAllProbes();
    const elsewhere = await startRecorder(200);
    const redirecting = await startRecorder(302, `${elsewhere.url}/steal`);
    const gateway = await startRecorder(200);
    apps.push(elsewhere, redirecting, gateway);
    await putProbe('redirecting', { url: redirecting.url });
    const put = await putProbe('gateway', {
      url: gateway.url,
      headers: { 'X-Gateway-Key': 'gw-secret-123' },
    });
    expect(put.body.header_names).toEqual(['x-gateway-key']);
    expect(JSON.stringify(put.body)).not.toContain('gw-secret-123');
    const listed = await t.api('GET', '/v1/canary/probes');
    expect(JSON.stringify(listed.body)).not.toContain('gw-secret-123');
    const stored = await kyselyOf(t.store).selectFrom('canary_probes').selectAll().execute();
    expect(JSON.stringify(stored)).not.toContain('gw-secret-123');

    const run = await runOnce();
    expect(probeOf(run, 'redirecting')).toMatchObject({ accepted: false, statuses: [302] });
    expect(elsewhere.requests).toHaveLength(0);
    expect(gateway.requests[0]?.['x-gateway-key']).toBe('gw-secret-123');
    expect(gateway.requests[0]?.authorization).toMatch(/^Bearer ey/);
    const audit = await t.api('GET', '/v1/audit?action=canary_probe.created&limit=50');
    expect(audit.body.events.length).toBeGreaterThan(0);
    expect(JSON.stringify(audit.body)).not.toContain('gw-secret-123');
  });

  it('refuses bad probes with a clear 400, unknown ones with 404, and callers without a key with 401', async () => {
    const bad = async (body: Record<string, unknown>, message: RegExp) => {
      const response = await putProbe('bad', body);
      expect(response.status).toBe(400);
      expect(response.body.code).toBe('ERR_VALIDATION');
      expect(response.body.message).toMatch(message);
    };
    await bad({ url: 'ftp://files.example.com/x' }, /http/);
    await bad({ url: 'not a url' }, /http/);
    await bad({ url: 'https://user:pw@example.com/' }, /credentials/);
    await bad({ url: 'https://example.com/', headers: { Authorization: 'Bearer x' } }, /Authorization/);
    expect((await t.api('DELETE', '/v1/canary/probes/nothing-here')).status).toBe(404);
    for (const [method, path] of [
      ['GET', '/v1/canary/probes'],
      ['PUT', '/v1/canary/probes/x'],
      ['POST', '/v1/canary/runs'],
      ['GET', '/v1/canary/runs'],
      ['GET', '/v1/reports/canary'],
    ] as const) {
      expect((await t.api(method, path, method === 'PUT' ? { url: 'x' } : undefined, null)).status).toBe(401);
    }
  });

  it('runs one cycle at a time: a second run asked for meanwhile gets 409, and the first completes', async () => {
    const [first, second] = await Promise.all([
      t.api('POST', '/v1/canary/runs'),
      t.api('POST', '/v1/canary/runs'),
    ]);
    expect([first.status, second.status].sort()).toEqual([200, 409]);
    const conflict = first.status === 409 ? first : second;
    expect(conflict.body).toMatchObject({
      code: 'ERR_CONFLICT',
      message: expect.stringMatching(/cycle is running/),
    });
  });

  it('keeps its work out of investigations and group reports unless asked, and reserves its username', async () => {
    const canaryUser = (await t.api('GET', '/v1/users?username=cutoff-canary')).body.users[0];
    expect(canaryUser).toMatchObject({
      username: 'cutoff-canary',
      groups: ['canary-group'],
      roles: ['canary-role'],
    });
    const hidden = await t.api('GET', `/v1/users/${canaryUser.id}/investigation`);
    expect(hidden.status).toBe(200);
    expect(
      hidden.body.events.filter((event: { reason: string | null }) => event.reason === 'canary'),
    ).toEqual([]);
    const shown = await t.api('GET', `/v1/users/${canaryUser.id}/investigation?include_canary=true`);
    expect(
      shown.body.events.filter((event: { reason: string | null }) => event.reason === 'canary').length,
    ).toBeGreaterThan(0);

    const report = await t.api('GET', '/v1/reports/groups/canary-group');
    expect(report.status).toBe(200);
    expect(report.body.members).toEqual([]);
    expect(report.body.group_revocations).toEqual([]);

    const taken = await t.api('POST', '/v1/users', {
      username: 'Cutoff-Canary',
      password: 'a-long-password-123',
    });
    expect(taken.status).toBe(409);
    expect(taken.body.message).toMatch(/reserved for the canary/);
  });

  it('reports per probe the cycles, passes, failures, worst and p99 time to reject, as JSON, CSV and HTML', async () => {
    const json = await t.api('GET', '/v1/reports/canary');
    expect(json.status).toBe(200);
    const demoSummary = json.body.probes.find((probe: { probe: string }) => probe.probe === 'demo-api');
    expect(demoSummary.cycles).toBe(6);
    expect(demoSummary.failed).toBe(0);
    expect(demoSummary.worst_ms).toBeLessThan(DEADLINE_MS);
    const cached = json.body.probes.find((probe: { probe: string }) => probe.probe === 'cached-proxy');
    expect(cached).toMatchObject({ cycles: 1, passed: 0, failed: 1, worst_ms: null });
    const csv = await fetch(`${t.url}/v1/reports/canary?format=csv`, {
      headers: { authorization: `Bearer ${t.adminKey}` },
    });
    expect(csv.headers.get('content-type')).toMatch(/text\/csv/);
    expect((await csv.text()).split('\r\n')[0]).toBe(
      'probe,cycles,passed,failed,worst_ms,p99_ms,gap_from,gap_to,gap_seconds',
    );
    const html = await fetch(`${t.url}/v1/reports/canary?format=html`, {
      headers: { authorization: `Bearer ${t.adminKey}` },
    });
    expect(await html.text()).toContain('<code>cached-proxy</code>');
  });
});
