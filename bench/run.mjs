/**
 * `npm run bench`: runs the benchmark scenarios, prints a table, rewrites docs/benchmarks.md.
 *
 * Scenarios are modules in bench/scenarios/<group>/ exporting
 *   { id, title, about, run(env) -> Promise<Result[]>, interpret?(results) -> markdown }
 * with results in the common format of bench/lib/result.mjs. To add benchmarks, append a group
 * (or scenarios to a group) in GROUPS below; docs/benchmarks.md keeps one section per group and
 * per scenario, and a run only rewrites the sections of what it ran.
 */
import process from 'node:process';
import { fileURLToPath, URL } from 'node:url';
import { cleanupAll, installSignalCleanup } from './lib/cleanup.mjs';
import { postgresUnavailable } from './lib/cutoff-server.mjs';
import { writeDocs } from './lib/docs.mjs';
import { closeSetupAgent } from './lib/http.mjs';
import { cpuMeter, currentLoadAverage, describeMachine } from './lib/machine.mjs';
import { readOptions } from './lib/options.mjs';
import { textTable } from './lib/report.mjs';
import { failedResult } from './lib/result.mjs';
import introspect from './scenarios/server/introspect.mjs';
import login from './scenarios/server/login.mjs';
import refresh from './scenarios/server/refresh.mjs';
import revokeThroughput from './scenarios/server/revoke-throughput.mjs';
import revokeTime from './scenarios/server/revoke-time.mjs';

export const GROUPS = [
  {
    id: 'server',
    title: 'Server (`@cutoff/server`)',
    intro:
      'The session authority over HTTP, on the embedded SQLite store and on PostgreSQL, RS256 signing ' +
      '(the default), `logLevel: warn`. Targets: refresh ≥ 2,000/s on SQLite; introspection ≥ 3× ' +
      'oidc-provider; revoking a user with 1,000 sessions < 100 ms; a group of 10,000 users with ' +
      '100,000 sessions < 3 s. Login and revocation throughput have no target; they are reported ' +
      'with what bounds them.',
    scenarios: [login, refresh, introspect, revokeThroughput, revokeTime],
  },
  // The guard and business-event groups, defined next to their scenarios.
  (await import('./scenarios/guard/group.mjs')).default,
  (await import('./scenarios/events/group.mjs')).default,
  (await import('./scenarios/canary/group.mjs')).default,
  (await import('./scenarios/destinations/group.mjs')).default,
  (await import('./scenarios/siem/group.mjs')).default,
];

const DOCS = fileURLToPath(new URL('../docs/benchmarks.md', import.meta.url));

const log = (line) => process.stdout.write(`${line}\n`);

const selected = (options) =>
  GROUPS.flatMap((group) =>
    group.scenarios
      .filter(
        (scenario) =>
          options.only.length === 0 || options.only.includes(scenario.id) || options.only.includes(group.id),
      )
      .map((scenario) => ({ group, scenario })),
  );

const main = async () => {
  installSignalCleanup();
  const options = readOptions();
  const plan = selected(options);
  if (plan.length === 0) {
    const known = GROUPS.flatMap((group) => [group.id, ...group.scenarios.map((scenario) => scenario.id)]);
    throw new Error(`BENCH_ONLY=${options.only.join(',')} matches nothing; known: ${known.join(', ')}`);
  }
  const startedAt = new Date();
  const runMeter = cpuMeter();
  const machine = await describeMachine(options);
  log(
    `cutoff bench: ${machine.cpus} CPUs (${machine.cpuModel}), Node ${machine.node}, ` +
      `load ${machine.loadAtStart}; ${machine.speed}; ${options.durationMs / 1000} s runs; backends ${options.backends.join(', ')}`,
  );

  const unavailable = {};
  if (options.backends.includes('postgres')) {
    const reason = await postgresUnavailable(options.databaseUrl);
    if (reason !== undefined) {
      unavailable.postgres = reason;
      log(`!! PostgreSQL at ${options.databaseUrl} is unavailable (${reason}): its results will FAIL`);
    }
  }
  const env = { options, unavailable, log };

  const ran = [];
  for (const { group, scenario } of plan) {
    log(`\n== ${group.id}/${scenario.id}: ${scenario.title}`);
    const scenarioStartedAt = Date.now();
    const meter = cpuMeter();
    let results;
    try {
      results = await scenario.run(env);
    } catch (error) {
      log(`  FAILED: ${error instanceof Error ? (error.stack ?? error.message) : error}`);
      results = [failedResult({ group: group.id, scenario: scenario.id, backend: '–' }, error)];
    } finally {
      await cleanupAll();
    }
    const cpu = meter.stop();
    log(
      `  (${((Date.now() - scenarioStartedAt) / 1000).toFixed(1)} s` +
        (cpu === undefined
          ? ')'
          : `; CPU: machine ${Math.round(cpu.machineBusyPct)} % busy, this bench ${Math.round(cpu.benchPct)} %)`),
    );
    ran.push({ group, scenario, results, cpu });
    globalThis.gc?.();
  }
  await closeSetupAgent();

  const results = ran.flatMap((entry) => entry.results);
  log(`\n${textTable(results)}\n`);
  const failed = results.filter((result) => result.pass === false);
  for (const result of failed) {
    log(
      `!! MISSED: ${result.scenario} / ${result.backend} / ${result.subject}: ${result.notes || 'below target'}`,
    );
  }

  if (options.writeDocs) {
    await writeDocs(DOCS, {
      machine,
      options,
      startedAt,
      finishedAt: new Date(),
      loadAtEnd: currentLoadAverage(),
      cpu: runMeter.stop(),
      results,
      scenarios: plan.map(({ group, scenario }) => `${group.id}/${scenario.id}`),
      ran,
    });
    log(`wrote ${DOCS}`);
  }
  log(failed.length === 0 ? 'all targets met' : `${failed.length} result(s) missed their target`);
};

main().then(
  // Every handle is closed by now; exit explicitly anyway so a stray timer cannot hold the run.
  () => process.exit(0),
  async (error) => {
    process.stderr.write(
      `bench failed: ${error instanceof Error ? (error.stack ?? error.message) : error}\n`,
    );
    await cleanupAll();
    process.exit(1);
  },
);
