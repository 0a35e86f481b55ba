import { startCutoff } from '../../lib/cutoff-server.mjs';
import { createApiKey, createUsers, loginMany } from '../../lib/fixtures.mjs';
import { runLoad } from '../../lib/load.mjs';
import { medianOf, summarizeRounds } from '../../lib/rounds.mjs';
import { startHostedTarget } from '../../lib/hosted-target.mjs';
import { startOidcProvider } from '../../lib/oidc-provider.mjs';
import { atLeast, failedResult, fmt, loadResult, makeResult } from '../../lib/result.mjs';

const TOKENS = 100;
/** The same client shape for every server: 32 connections, one request in flight on each. */
const CLIENT = { concurrency: 32, connections: 32, pipelining: 1 };
/**
 * Targets take turns (oidc-provider, Cutoff on SQLite, Cutoff on PostgreSQL, then the reverse
 * order...) so that the machine's speed, which drifts by tens of percent here, hits all of them
 * alike; each reports its median round, and ratios are taken within a round (runs adjacent in
 * time) before their median is taken.
 */
const ROUNDS = 7;
const base = { group: 'server', scenario: 'introspect' };

/** Runs in a target host process (hosted-target.mjs). */
export const prepareCutoff = async (backend, options) => {
  const cutoff = await startCutoff(backend, options);
  try {
    const key = await createApiKey(cutoff.origin, 'bench-introspection', ['introspect']);
    const usernames = await createUsers(cutoff.origin, 4, { prefix: 'bench-introspect', groups: ['eng'] });
    const tokens = (await loginMany(cutoff.origin, usernames, TOKENS)).map((answer) => answer.access_token);
    return {
      name: `Cutoff (${backend})`,
      backend,
      subject: 'Cutoff POST /oauth/introspect (API key)',
      origin: cutoff.origin,
      data: { path: '/oauth/introspect', authorization: `Bearer ${key}`, tokens },
      close: cutoff.close,
    };
  } catch (error) {
    await cutoff.close();
    throw error;
  }
};

/** Runs in a target host process (hosted-target.mjs). */
export const prepareOidcProvider = async () => {
  const provider = await startOidcProvider();
  try {
    const tokens = await provider.issueTokens(TOKENS);
    return {
      name: 'oidc-provider',
      backend: 'memory',
      subject: 'oidc-provider POST /token/introspection (client_secret_basic)',
      origin: provider.origin,
      data: { path: provider.introspectionPath, authorization: provider.authorization, tokens },
      close: provider.close,
    };
  } catch (error) {
    await provider.close();
    throw error;
  }
};

export default {
  id: 'introspect',
  title: 'Introspection throughput, side by side with oidc-provider',
  about:
    `RFC 7662 introspection of a pool of ${TOKENS} distinct valid access tokens, every answer checked ` +
    'to be `active: true`. Cutoff: `POST /oauth/introspect` with an API key of scope `introspect` ' +
    '(created through `POST /v1/api-keys`), RS256 JWTs from real logins. Baseline: ' +
    '[oidc-provider](https://github.com/panva/node-oidc-provider) 9 (OpenID Certified), a confidential ' +
    'client with `client_credentials`, opaque access tokens in its in-memory adapter, introspected with ' +
    '`client_secret_basic`. Each server runs in a process of its own (so none collects the garbage ' +
    'of another, or has its CPU counted); the load comes from one more process with the same client ' +
    `settings (${CLIENT.connections} connections, ${CLIENT.concurrency} ` +
    `requests in flight); the targets take turns over ${ROUNDS} rounds, in reverse order every other round, and each ` +
    "reports its median round. The machine's speed drifts by tens of percent within minutes, so the " +
    'ratio is taken within each round (runs next to each other in time) and the median of those ' +
    'ratios is the verdict.',
  async run(env) {
    const results = [];
    const targets = [];
    try {
      try {
        targets.push({ ...(await startHostedTarget(import.meta.url, 'prepareOidcProvider', [])), loads: [] });
      } catch (error) {
        results.push(failedResult({ ...base, backend: 'memory', subject: 'oidc-provider' }, error));
      }
      for (const backend of env.options.backends) {
        const unavailable = env.unavailable[backend];
        if (unavailable !== undefined) {
          results.push(failedResult({ ...base, backend }, `${backend} unavailable: ${unavailable}`));
          continue;
        }
        try {
          targets.push({
            ...(await startHostedTarget(import.meta.url, 'prepareCutoff', [backend, env.options])),
            loads: [],
          });
        } catch (error) {
          results.push(failedResult({ ...base, backend }, error));
        }
      }
      const roundMs = Math.max(2_000, Math.round(env.options.durationMs * 0.6));
      // An unmeasured round first: JIT, caches and connection pools warm up on every target.
      for (const target of targets) {
        await runLoad({
          origin: target.origin,
          generator: 'introspect',
          data: target.data,
          server: target.server,
          durationMs: 2_000,
          ...CLIENT,
        });
      }
      for (let round = 1; round <= ROUNDS; round++) {
        for (const target of round % 2 === 1 ? targets : [...targets].reverse()) {
          const load = await runLoad({
            origin: target.origin,
            generator: 'introspect',
            data: target.data,
            server: target.server,
            durationMs: roundMs,
            warmupMs: env.options.warmupMs,
            ...CLIENT,
          });
          target.loads.push(load);
          env.log(`  round ${round} ${target.name}: ${fmt(load.rps)} req/s, errors ${load.errors}`);
        }
      }
    } finally {
      for (const target of targets) await target.close();
    }

    const baseline = targets.find((target) => target.backend === 'memory');
    const baselineSummary = baseline === undefined ? undefined : summarizeRounds(baseline.loads);
    const baselineRps = baselineSummary?.rps;
    for (const target of targets) {
      const summary = summarizeRounds(target.loads);
      const rounds = `rounds: ${target.loads.map((load) => fmt(load.rps)).join(' / ')} req/s`;
      const isBaseline = target === baseline;
      results.push(
        // The verdict is the ratio row below, taken round by round; this row is the rate itself.
        loadResult({ ...base, backend: target.backend, subject: target.subject }, summary, {
          notes: rounds,
          target: null,
        }),
      );
      if (!isBaseline && baselineRps !== undefined) {
        const roundRatios = target.loads.map((load, round) => load.rps / baseline.loads[round].rps);
        results.push(
          makeResult({
            ...base,
            backend: target.backend,
            subject: 'ratio Cutoff / oidc-provider',
            value: medianOf(roundRatios),
            unit: '×',
            errors: summary.errors,
            target: atLeast(3, '×', '≥ 3×'),
            notes:
              `median of the rounds' ratios (${roundRatios.map((ratio) => fmt(ratio)).join(' / ')}); ` +
              `ratio of the median rounds ${fmt(summary.rps / baselineRps)}×; ` +
              `server CPU per request: oidc-provider ${fmt(baselineSummary.serverCpuUsPerRequest)} µs, ` +
              `Cutoff ${fmt(summary.serverCpuUsPerRequest)} µs, i.e. ` +
              `${fmt(baselineSummary.serverCpuUsPerRequest / summary.serverCpuUsPerRequest)}× on CPU cost`,
          }),
        );
      }
    }
    return results;
  },
  interpret: (results) => {
    const cpu = (backend) => results.find((result) => result.backend === backend && result.unit === 'req/s');
    const baseline = cpu('memory');
    const missed = results.some((result) => result.pass === false);
    const cpuLine =
      baseline === undefined || baseline.cpuUsPerRequest === null
        ? ''
        : `Server CPU per call: oidc-provider ${fmt(baseline.cpuUsPerRequest)} µs; Cutoff ` +
          results
            .filter(
              (result) => result.backend !== 'memory' && result.unit === 'req/s' && result.cpuUsPerRequest,
            )
            .map((result) => `${fmt(result.cpuUsPerRequest)} µs (${result.backend})`)
            .join(', ') +
          '. That ratio is what dedicated server cores would show; the rates above are compressed ' +
          'toward each other because the load generator shares the two cores and takes more CPU the ' +
          'faster the server answers.';
    return [
      "Cutoff's introspection never touches the store for an access token: the API key is checked " +
        'against a 5-second cache, the JWT signature verification is cached per token until it expires, ' +
        'and the revocation rule runs against the in-memory index that the feed keeps current, so ' +
        'SQLite and PostgreSQL perform alike. oidc-provider looks the opaque token and the client up in ' +
        'its adapter and runs its Koa middleware stack per request. ' +
        cpuLine,
      "Where Cutoff's time goes (CPU profiles of the server under this load, on this machine): the " +
        'HTTP stack is most of it. The largest single item, about 40 % of the CPU per call, is the ' +
        "kernel's `writev` of the answer (on loopback the sender also pays for the receiver's TCP " +
        'processing and wake-up); next come Node.js and Fastify reading the form body through a ' +
        'stream. The Cutoff-specific work (API key check, cached verification, the revocation rule) ' +
        'is a few µs. Two per-request costs were cut after profiling: a pino child logger made for ' +
        'every request even when the level writes nothing (now made on first use) and Ajv counting ' +
        'code points for `maxLength` (~3 µs for a JWT; now code units). Measured with servers in ' +
        'processes of their own, they took Cutoff from 78–90 µs of CPU per call (2.5–3.0×) to 57–63 µs.',
      'How this is measured matters as much as the code: until 2026-11-22 all three servers ran in ' +
        'the bench process, and the one measured collected (and was charged for) the garbage of the ' +
        'one before. The same code measured 2.7–3.4× there (75–88 µs of CPU per call against ' +
        '256–260 µs), and 3.4–4.0× in processes of their own (57–63 µs against 218–252 µs).',
      missed
        ? '**Target missed (≥ 3× oidc-provider).** The ratio of server CPU per call (in the notes) is ' +
          'the most this comparison can show, since the load generator shares the two cores; it moves ' +
          "with the machine's speed, and Cutoff's more than oidc-provider's, because most of Cutoff's " +
          'cost is the system calls every HTTP answer makes.'
        : '',
    ]
      .filter(Boolean)
      .join('\n\n');
  },
};
