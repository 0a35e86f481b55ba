import type { Command } from 'commander';
import { Option } from 'commander';
import { table } from '../output.js';
import type { Deps } from './deps.js';

interface Probe {
  readonly name: string;
  readonly url: string;
  readonly method: string;
  readonly header_names: readonly string[];
  readonly timeout_ms: number;
}
interface ProbeResult {
  readonly name: string;
  readonly accepted: boolean;
  readonly rejected_after_ms: number | null;
  readonly statuses: readonly number[];
  readonly error?: string;
}
interface Run {
  readonly id: string;
  readonly started_at: string;
  readonly kind: string;
  readonly ok: boolean;
  readonly probes: readonly ProbeResult[];
  readonly refresh_refused: boolean | null;
  readonly introspection_inactive: boolean;
  readonly guards: { readonly applied: number; readonly total: number };
  readonly error?: string;
}

const readStdin = async (): Promise<string> => {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
};

/** `Name: value` -> [name, value]. */
const parseHeader = (raw: string): [string, string] => {
  const colon = raw.indexOf(':');
  if (colon <= 0)
    throw new Error(`--header must look like "Name: value", got "${raw.split(':')[0] ?? ''}..."`);
  return [raw.slice(0, colon).trim(), raw.slice(colon + 1).trim()];
};

const probeLine = (probe: ProbeResult): string => {
  const passed = probe.accepted && probe.rejected_after_ms !== null && probe.error === undefined;
  const detail = passed
    ? `refused the revoked token after ${probe.rejected_after_ms} ms`
    : (probe.error ?? 'did not refuse the revoked token');
  return `  ${passed ? 'ok  ' : 'FAIL'}  ${probe.name}: ${detail} (statuses ${probe.statuses.join(' -> ') || 'none'})`;
};

/** The human summary of one cycle. */
export const canaryRunSummary = (run: Run): string =>
  [
    `canary ${run.ok ? 'OK' : 'FAILED'}: cycle ${run.id} at ${run.started_at}, revoked by ${run.kind}`,
    ...(run.error === undefined ? [] : [`  error: ${run.error}`]),
    ...(run.probes.length === 0
      ? ['  no probes registered (cutoff canary probes add)']
      : run.probes.map(probeLine)),
    `  refresh token refused: ${run.refresh_refused === null ? 'n/a (token kind keeps the session)' : run.refresh_refused ? 'yes' : 'NO'}`,
    `  introspection inactive: ${run.introspection_inactive ? 'yes' : 'NO'}`,
    `  guards applied the entry: ${run.guards.applied} of ${run.guards.total}`,
  ].join('\n');

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** `cutoff canary ...`: probes, a cycle now (exit 1 when not ok), the latest status. */
export const registerCanaryCommands = (program: Command, deps: () => Deps): void => {
  const canary = program
    .command('canary')
    .description('prove, end to end, that revocation works (docs/canary.md)');
  const probes = canary
    .command('probes')
    .description('protected endpoints of connected apps the canary calls');
  probes
    .command('add <name> <url>')
    .description(
      'register or replace a probe: <url> (http or https) must answer 2xx to a fresh token, then 401 once revoked',
    )
    .addOption(new Option('--method <method>').choices(['GET', 'HEAD', 'POST']).default('GET'))
    .option('--header <header>', '"Name: value" sent with every call, stored sealed (repeatable)', collect)
    .option(
      '--headers-stdin',
      'read the headers as a JSON object from standard input (keeps secrets off the command line)',
    )
    .option('--timeout-ms <ms>', 'per call (50-30000)', (value) => Number(value))
    .action(
      async (
        name: string,
        url: string,
        options: {
          method: string;
          header?: string[];
          headersStdin?: boolean;
          timeoutMs?: number;
        },
      ) => {
        const { client, out } = deps();
        const headers: Record<string, string> = Object.fromEntries((options.header ?? []).map(parseHeader));
        if (options.headersStdin === true)
          Object.assign(headers, JSON.parse(await readStdin()) as Record<string, string>);
        const probe = await client.request<Probe>('PUT', `/v1/canary/probes/${encodeURIComponent(name)}`, {
          url,
          method: options.method,
          ...(Object.keys(headers).length > 0 && { headers }),
          ...(options.timeoutMs !== undefined && { timeout_ms: options.timeoutMs }),
        });
        out.result(probe, () => `probe ${probe.name}: ${probe.method} ${probe.url}`);
      },
    );
  probes
    .command('list')
    .description('the registered probes (header names only)')
    .action(async () => {
      const { client, out } = deps();
      const { probes: list } = await client.request<{ probes: Probe[] }>('GET', '/v1/canary/probes');
      out.result(list, () =>
        table([
          ['NAME', 'METHOD', 'URL', 'HEADERS', 'TIMEOUT_MS'],
          ...list.map((probe) => [
            probe.name,
            probe.method,
            probe.url,
            probe.header_names.join(','),
            String(probe.timeout_ms),
          ]),
        ]),
      );
    });
  probes
    .command('remove <name>')
    .description('stop probing an endpoint')
    .action(async (name: string) => {
      const { client, out } = deps();
      await client.request('DELETE', `/v1/canary/probes/${encodeURIComponent(name)}`);
      out.result({ removed: name }, () => `removed probe ${name}`);
    });

  canary
    .command('run')
    .description('run one cycle now and print its result; exits 1 when it is not ok (cron, CI)')
    .action(async () => {
      const { client, out } = deps();
      const run = await client.request<Run>('POST', '/v1/canary/runs');
      out.result(run, () => canaryRunSummary(run));
      if (!run.ok) process.exitCode = 1;
    });
  canary
    .command('status')
    .description('the latest cycle and the recent record; exits 1 when the latest failed or none ran')
    .option('--limit <n>', 'recent cycles to count', '20')
    .action(async (options: { limit: string }) => {
      const { client, out } = deps();
      const { runs } = await client.request<{ runs: Run[] }>(
        'GET',
        `/v1/canary/runs?limit=${Number(options.limit)}`,
      );
      const latest = runs[0];
      out.result(
        { latest: latest ?? null, recent: runs.length, failed: runs.filter((run) => !run.ok).length },
        () =>
          latest === undefined
            ? 'canary: no cycle has run yet (cutoff canary run, or set CUTOFF_CANARY_INTERVAL_SECONDS)'
            : `${canaryRunSummary(latest)}\n  last ${runs.length} cycles: ${runs.filter((run) => run.ok).length} ok, ${runs.filter((run) => !run.ok).length} failed`,
      );
      if (latest?.ok !== true) process.exitCode = 1;
    });
};
