import { createServer } from 'node:http';
import { createGuard } from '../../../packages/guard/dist/index.js';
import { guardHandler } from '../../../packages/guard/dist/middleware/node-http.js';
import { defer } from '../../lib/cleanup.mjs';
import { adminHeaders, withCutoff } from '../../lib/cutoff-server.mjs';
import { createApiKey, forEachBackend } from '../../lib/fixtures.mjs';
import { call } from '../../lib/http.mjs';
import { fmt, makeResult } from '../../lib/result.mjs';
import { guardOptions } from '../guard/guard-options.mjs';

/** Probes (one guarded node:http app each, in this process) and timed cycles per backend. */
const PROBES = 10;
const CYCLES = 20;
const base = { group: 'canary', scenario: 'canary-cycle' };

const percentile = (sorted, p) => sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)];

/** A guarded app on 127.0.0.1 answering 200 to valid tokens, 401 to revoked ones. */
const startApp = async (origin, feedKey, name) => {
  const guard = createGuard(guardOptions(origin, feedKey, name));
  const server = createServer(
    guardHandler(guard, (_request, response) => {
      response.end('{"ok":true}');
    }),
  );
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  await guard.ready;
  const close = defer(`canary bench app ${name}`, async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await guard.close();
  });
  return { url: `http://127.0.0.1:${server.address().port}/orders`, close };
};

export default {
  id: 'canary-cycle',
  title: 'One canary cycle and its measured time to reject',
  about:
    `\`POST /v1/canary/runs\` with ${PROBES} probes, each a node:http app behind its own guard (the ` +
    `guard's own propagation is measured in the guard group): login of the canary account ` +
    `(argon2id), a call per probe, the revocation (rotating session, user, token, group, role), ` +
    `then every probe polled every 25 ms until it answers 401, with the refresh, introspection ` +
    `and fleet checks. ${CYCLES} timed cycles after one warm-up. No target: this is what the ` +
    `canary costs and what it sees, to set against the propagation figures.`,
  run: (env) =>
    forEachBackend(env, base, (backend) =>
      withCutoff(
        backend,
        env.options,
        async ({ origin }) => {
          const feedKey = await createApiKey(origin, 'canary-bench-feed', ['feed:read']);
          const apps = [];
          try {
            for (let index = 0; index < PROBES; index++) {
              const app = await startApp(origin, feedKey, `probe-${index}`);
              apps.push(app);
              await call(origin, 'PUT', `/v1/canary/probes/probe-${index}`, {
                json: { url: app.url },
                headers: adminHeaders,
                expect: [201],
              });
            }
            const durations = [];
            const rejects = [];
            let failures = 0;
            for (let cycle = 0; cycle <= CYCLES; cycle++) {
              const { body } = await call(origin, 'POST', '/v1/canary/runs', {
                headers: adminHeaders,
                expect: [200],
              });
              if (cycle === 0) continue;
              if (!body.ok) failures++;
              durations.push(Date.parse(body.finished_at) - Date.parse(body.started_at));
              for (const probe of body.probes)
                if (probe.rejected_after_ms !== null) rejects.push(probe.rejected_after_ms);
            }
            durations.sort((a, b) => a - b);
            rejects.sort((a, b) => a - b);
            env.log(
              `  ${backend}: cycle p50 ${fmt(percentile(durations, 50))} ms; time to reject p50 ` +
                `${fmt(percentile(rejects, 50))} ms, p99 ${fmt(percentile(rejects, 99))} ms`,
            );
            return [
              makeResult({
                ...base,
                backend,
                subject: `one canary cycle, ${PROBES} probes (median of ${CYCLES})`,
                value: percentile(durations, 50),
                unit: 'ms',
                p50Ms: percentile(durations, 50),
                p99Ms: percentile(durations, 99),
                requests: durations.length,
                errors: failures,
                notes:
                  `worst ${fmt(durations.at(-1))} ms; user, group and role cycles include the wait for ` +
                  `the next second before the next login (the revocation rule rejects tokens issued in ` +
                  `the watermark's second)`,
              }),
              makeResult({
                ...base,
                backend,
                subject: `canary time to reject, revocation commit → probe's first 401 (${rejects.length} probe results)`,
                value: percentile(rejects, 50),
                unit: 'ms',
                p50Ms: percentile(rejects, 50),
                p99Ms: percentile(rejects, 99),
                requests: rejects.length,
                errors: failures,
                notes: `worst ${fmt(rejects.at(-1))} ms; includes the 25 ms polling step and the HTTP round trip to the probe`,
              }),
            ];
          } finally {
            for (const app of apps) await app.close();
          }
        },
        {
          canaryIntervalSeconds: 0,
          canaryDeadlineMs: 5000,
          canaryGroups: ['bench-canary'],
          canaryRoles: ['bench-canary'],
        },
      ),
    ),
  interpret: () =>
    'The canary measures from its own side: from the commit of its revocation to the first 401 a ' +
    'probe answers over HTTP, polling every 25 ms, so its time to reject is the guard propagation ' +
    '(guard group: revoke call returned → 50 guards rejecting) plus the revoke transaction, up to ' +
    'one 25 ms polling step and a round trip. Cycles are long mostly by design: the argon2id hash of ' +
    "the canary's fresh password and its login, and for user, group and role cycles the wait for the " +
    'next whole second. A ' +
    'canary figure far above the propagation figure points at something between the guard and the ' +
    'client (a cache, a proxy), which is what it is there to find.',
};
