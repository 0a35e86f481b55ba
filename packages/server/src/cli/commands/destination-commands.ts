import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { verifyAuditCopy, type CopyVerification } from '../../domain/audit-copy-verification.js';
import type { Output } from '../output.js';
import { table } from '../output.js';
import type { Deps } from './admin-commands.js';

interface DestinationJson {
  readonly name: string;
  readonly type: string;
  readonly format: string;
  readonly paused: boolean;
  readonly config: Readonly<Record<string, unknown>>;
  readonly secret_fields: readonly string[];
  readonly max_attempts: number;
  readonly status: {
    readonly delivered_seq: number;
    readonly head_seq: number;
    readonly lag_events: number;
    readonly lag_seconds: number;
    readonly dead: number;
    readonly attempts: number;
    readonly next_attempt_at: string;
    readonly last_error: string | null;
    readonly last_delivered_at: string | null;
    readonly lease_holder: string | null;
  };
}

const readStdin = async (): Promise<string> => {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
};

const statusWord = (d: DestinationJson): string =>
  d.paused
    ? 'paused'
    : d.status.last_error !== null
      ? 'retrying'
      : d.status.lag_events === 0
        ? 'caught up'
        : 'sending';

const renderDestination = (d: DestinationJson): string =>
  [
    `${d.name}: ${d.type} (${d.format}), ${statusWord(d)}`,
    ...Object.entries(d.config).map(([key, value]) => `  ${key}: ${JSON.stringify(value)}`),
    ...(d.secret_fields.length === 0 ? [] : [`  secrets (sealed): ${d.secret_fields.join(', ')}`]),
    `  delivered seq ${d.status.delivered_seq} of ${d.status.head_seq}: ${d.status.lag_events} pending, ${d.status.lag_seconds.toFixed(1)} s behind`,
    `  dead letters: ${d.status.dead} (max attempts ${d.max_attempts})`,
    `  last delivered: ${d.status.last_delivered_at ?? 'never'}; lease: ${d.status.lease_holder ?? 'none'}`,
    ...(d.status.last_error === null
      ? []
      : [
          `  last error (attempt ${d.status.attempts}, next ${d.status.next_attempt_at}): ${d.status.last_error}`,
        ]),
  ].join('\n');

/** `cutoff destinations ...`: audit-stream destinations (docs/destinations.md). */
export const registerDestinationCommands = (program: Command, deps: () => Deps): void => {
  const destinations = program
    .command('destinations')
    .description('audit-stream destinations: SIEMs, webhook relays, files (docs/destinations.md)');
  destinations
    .command('list')
    .description('every destination with its cursor, lag, dead letters and last error')
    .action(async () => {
      const { client, out } = deps();
      const { destinations: list } = await client.request<{ destinations: DestinationJson[] }>(
        'GET',
        '/v1/destinations',
      );
      out.result(list, () =>
        table([
          ['NAME', 'TYPE', 'STATE', 'DELIVERED', 'HEAD', 'PENDING', 'LAG_S', 'DEAD', 'LAST_ERROR'],
          ...list.map((d) => [
            d.name,
            d.type,
            statusWord(d),
            String(d.status.delivered_seq),
            String(d.status.head_seq),
            String(d.status.lag_events),
            d.status.lag_seconds.toFixed(1),
            String(d.status.dead),
            d.status.last_error ?? '',
          ]),
        ]),
      );
    });
  destinations
    .command('show <name>')
    .description("one destination's configuration (secrets never shown) and delivery status")
    .action(async (name: string) => {
      const { client, out } = deps();
      const d = await client.request<DestinationJson>('GET', `/v1/destinations/${encodeURIComponent(name)}`);
      out.result(d, () => renderDestination(d));
    });
  destinations
    .command('put <name>')
    .description(
      'create or replace a destination from a JSON object on standard input, e.g. {"type":"http","url":"...","secret":"whsec_..."} (keeps secrets off the command line)',
    )
    .action(async (name: string) => {
      const { client, out } = deps();
      const body: unknown = JSON.parse(await readStdin());
      const d = await client.request<DestinationJson>(
        'PUT',
        `/v1/destinations/${encodeURIComponent(name)}`,
        body,
      );
      out.result(d, () => renderDestination(d));
    });
  destinations
    .command('remove <name>')
    .description('stop delivering to a destination and forget its cursor and dead letters')
    .action(async (name: string) => {
      const { client, out } = deps();
      await client.request('DELETE', `/v1/destinations/${encodeURIComponent(name)}`);
      out.result({ removed: name }, () => `removed destination ${name}`);
    });
  destinations
    .command('replay <name>')
    .description('deliver every event from a seq on again, with the same ids (receivers dedupe)')
    .requiredOption('--from-seq <n>', 'the first seq to deliver again', (value) => Number(value))
    .action(async (name: string, options: { fromSeq: number }) => {
      const { client, out } = deps();
      const d = await client.request<DestinationJson>(
        'POST',
        `/v1/destinations/${encodeURIComponent(name)}/replay`,
        {
          from_seq: options.fromSeq,
        },
      );
      out.result(d, () => `replaying ${name} from seq ${options.fromSeq}\n${renderDestination(d)}`);
    });
  destinations
    .command('dead-letters <name>')
    .description('events that exhausted their attempts; the stream went on without them')
    .option('--retry <seq>', 'send this dead-lettered event again', (value) => Number(value))
    .action(async (name: string, options: { retry?: number }) => {
      const { client, out } = deps();
      const path = `/v1/destinations/${encodeURIComponent(name)}/dead-letters`;
      if (options.retry !== undefined) {
        await client.request('POST', `${path}/${options.retry}/retry`);
        out.result({ retry_requested: options.retry }, () => `seq ${options.retry} will be sent again`);
        return;
      }
      const { dead_letters: letters } = await client.request<{
        dead_letters: {
          seq: number;
          attempts: number;
          dead_at: string;
          last_error: string;
          retry_requested: boolean;
        }[];
      }>('GET', `${path}?limit=1000`);
      out.result(letters, () =>
        table([
          ['SEQ', 'ATTEMPTS', 'DEAD_AT', 'RETRY', 'LAST_ERROR'],
          ...letters.map((l) => [
            String(l.seq),
            String(l.attempts),
            l.dead_at,
            l.retry_requested ? 'yes' : '',
            l.last_error,
          ]),
        ]),
      );
    });
};

const renderCopyVerification = (result: CopyVerification): string =>
  [
    result.ok
      ? `audit copy intact: ${result.events} events, seq ${result.firstSeq ?? '-'} to ${result.lastSeq ?? '-'}`
      : `AUDIT COPY NOT INTACT: ${result.events} events, seq ${result.firstSeq ?? '-'} to ${result.lastSeq ?? '-'}`,
    ...(result.duplicates === 0
      ? []
      : [`  ${result.duplicates} repeated identical copies (at-least-once delivery; fine)`]),
    ...result.gaps.map(
      (gap) => `  missing: seq ${gap.from === gap.to ? gap.from : `${gap.from} to ${gap.to}`}`,
    ),
    ...result.edits.map(
      (edit) =>
        `  ${edit.seq === null ? '' : `seq ${edit.seq}`}${edit.line === null ? '' : ` (line ${edit.line})`}: ${edit.problem}`,
    ),
    ...(result.firstSeq !== null && result.firstSeq > 1
      ? [
          `  starts at seq ${result.firstSeq}: events before it are not in the copy (from_seq, or rotated away)`,
        ]
      : []),
  ].join('\n');

/**
 * `cutoff audit verify --from-file`: checks a SIEM's or a file destination's copy offline (no
 * server needed). Several files are read as one copy (rotated files: oldest first, or any order).
 * Deleting the last lines of a copy leaves no trace in it: compare `lastSeq` with the server's head.
 */
export const auditVerifyFiles = async (out: Output, files: readonly string[]): Promise<boolean> => {
  const lines: string[] = [];
  for (const file of files) lines.push(...(await readFile(file, 'utf8')).split('\n'));
  const result = verifyAuditCopy(lines);
  out.result(result, () => renderCopyVerification(result));
  return result.ok;
};
