import { writeFileSync } from 'node:fs';
import { SingleBar, Presets } from 'cli-progress';
import type { AdminClient } from '../admin-client.js';
import { table } from '../output.js';
import type { Deps } from './deps.js';
import { resolveUserId } from './users.js';

interface AuditEvent {
  readonly seq: number;
  readonly ts: string;
  readonly action: string;
  readonly actor: { readonly type: string; readonly id: string };
  readonly target: { readonly type: string; readonly id: string } | null;
  readonly reason: string | null;
  readonly counts: Record<string, number> | null;
}

const renderEvent = (event: AuditEvent): string[] => [
  String(event.seq),
  event.ts,
  event.action,
  `${event.actor.type}:${event.actor.id}`,
  event.target === null ? '' : `${event.target.type}:${event.target.id}`,
  event.reason ?? '',
  event.counts === null
    ? ''
    : Object.entries(event.counts)
        .map(([key, value]) => `${key}=${value}`)
        .join(' '),
];

/** `user:<username>` becomes `user:<id>`; any other `type:id` (or a bare id) is used as given. */
const resolveAuditTarget = async (client: AdminClient, target: string): Promise<string> =>
  target.startsWith('user:') ? `user:${await resolveUserId(client, target.slice('user:'.length))}` : target;

/** Every event matching `filters` after seq `after`, page by page. */
const auditMatches = async (
  client: AdminClient,
  filters: URLSearchParams,
  after: number,
): Promise<AuditEvent[]> => {
  const events: AuditEvent[] = [];
  let cursor: string | null = String(after);
  while (cursor !== null) {
    const page: { events: AuditEvent[]; next_cursor: string | null } = await client.request(
      'GET',
      `/v1/audit?limit=1000&cursor=${cursor}&${filters.toString()}`,
    );
    events.push(...page.events);
    cursor = page.next_cursor;
  }
  return events;
};

export const auditTail = async (
  { client, out }: Deps,
  options: { limit: string; action?: string; target?: string },
): Promise<void> => {
  // The newest events: find the head, then read the last page.
  const verify = await client.request<{ count: number }>('GET', '/v1/audit/verify');
  const limit = Math.max(1, Math.min(1000, Number(options.limit) || 20));
  const filters = new URLSearchParams();
  if (options.action !== undefined) filters.set('action', options.action);
  if (options.target !== undefined) filters.set('target', await resolveAuditTarget(client, options.target));
  let events: AuditEvent[];
  if (filters.size === 0) {
    const after = Math.max(0, verify.count - limit);
    ({ events } = await client.request<{ events: AuditEvent[] }>(
      'GET',
      `/v1/audit?limit=${limit}&cursor=${after}`,
    ));
  } else {
    // The newest matching events, however far back: the API reads forward only, so read the
    // matches after ever earlier points until there are enough or the whole trail is covered.
    for (let window = limit * 10; ; window *= 10) {
      const after = Math.max(0, verify.count - window);
      events = await auditMatches(client, filters, after);
      if (events.length >= limit || after === 0) break;
    }
    events = events.slice(-limit);
  }
  out.result(events, () =>
    table([['SEQ', 'TIME', 'ACTION', 'ACTOR', 'TARGET', 'REASON', 'COUNTS'], ...events.map(renderEvent)]),
  );
};

export const auditVerify = async ({ client, out }: Deps): Promise<boolean> => {
  const result = await client.request<{
    ok: boolean;
    count: number;
    head_hash: string;
    broken_at: number | null;
  }>('GET', '/v1/audit/verify');
  out.result(result, () =>
    result.ok
      ? `audit chain intact: ${result.count} events, head ${result.head_hash}`
      : `AUDIT CHAIN BROKEN at seq ${result.broken_at} (${result.count} events)`,
  );
  return result.ok;
};

/** Pages through the whole trail into a JSON Lines file, with a progress bar on a terminal. */
export const auditExport = async ({ client, out }: Deps, file: string): Promise<void> => {
  const { count } = await client.request<{ count: number }>('GET', '/v1/audit/verify');
  const bar =
    process.stderr.isTTY && !out.json
      ? new SingleBar({ stream: process.stderr }, Presets.shades_classic)
      : undefined;
  bar?.start(count, 0);
  const lines: string[] = [];
  let cursor: string | null = '0';
  while (cursor !== null) {
    const page: { events: AuditEvent[]; next_cursor: string | null } = await client.request(
      'GET',
      `/v1/audit?limit=1000&cursor=${cursor}`,
    );
    for (const event of page.events) lines.push(JSON.stringify(event));
    bar?.update(lines.length);
    cursor = page.next_cursor;
  }
  bar?.stop();
  writeFileSync(file, lines.length === 0 ? '' : `${lines.join('\n')}\n`);
  out.result({ file, events: lines.length }, () => `exported ${lines.length} audit events to ${file}`);
};
