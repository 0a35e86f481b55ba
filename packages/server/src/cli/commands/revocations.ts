/* eslint-disable no-console -- `tail` prints each entry as it arrives */
import type { FeedEvent, OpenFeed } from '../feed-stream.js';
import { table } from '../output.js';
import { withProgress } from '../progress.js';
import type { Deps } from './deps.js';
import { resolveUserId } from './users.js';

interface Entry {
  readonly seq: number;
  readonly kind: string;
  readonly key: string;
  readonly at: number;
  readonly expires_at: number;
  readonly reason: string;
}
interface FeedPage {
  readonly head: number;
  readonly has_more: boolean;
  readonly entries: readonly Entry[];
}

export interface FeedDeps extends Deps {
  readonly openFeed: OpenFeed;
}

const time = (seconds: number): string => new Date(seconds * 1000).toISOString();
const row = (entry: Entry): string[] => [
  String(entry.seq),
  time(entry.at),
  entry.kind,
  entry.key,
  entry.reason,
  time(entry.expires_at),
];
const HEADER = ['SEQ', 'AT', 'KIND', 'KEY', 'REASON', 'EXPIRES'];
/** `tail` prints rows one at a time, so it cannot size columns to the data: fixed widths. */
const WIDTHS = [6, 24, 7, 30, 17, 24];
const line = (cells: readonly string[]): string =>
  cells
    .map((cell, column) => cell.padEnd(WIDTHS[column] ?? 0))
    .join('  ')
    .trimEnd();

/** The live entries of the feed after `--after` (default: all of them), oldest first. */
export const revocationsList = async (
  { client, out }: Deps,
  options: { readonly after?: string },
): Promise<void> => {
  let after = Number(options.after ?? 0);
  if (!Number.isSafeInteger(after) || after < 0)
    throw new Error(`--after must be a seq (0 or more), not ${options.after}`);
  const entries: Entry[] = [];
  const head = await withProgress(out, 'reading the revocation feed', async () => {
    for (;;) {
      const page = await client.request<FeedPage>('GET', `/v1/revocations?after=${after}`);
      entries.push(...page.entries);
      after = page.entries.at(-1)?.seq ?? after;
      if (!page.has_more) return page.head;
    }
  });
  out.result({ head, entries }, () =>
    entries.length === 0 ? `no live revocations (feed head ${head})` : table([HEADER, ...entries.map(row)]),
  );
};

/**
 * Follows the feed live: prints each new entry as it is committed (one JSON line each with
 * --json), from the current head or from `--after`. Runs until interrupted, or `--count` entries.
 */
export const revocationsTail = async (
  { client, out, openFeed }: FeedDeps,
  options: { readonly after?: string; readonly count?: string },
): Promise<void> => {
  const count = options.count === undefined ? Infinity : Number(options.count);
  if (!(count > 0)) throw new Error(`--count must be a positive number, not ${options.count}`);
  const after =
    options.after === undefined
      ? (await client.request<FeedPage>('GET', '/v1/revocations?after=0&limit=1')).head
      : Number(options.after);
  if (!Number.isSafeInteger(after) || after < 0)
    throw new Error(`--after must be a seq (0 or more), not ${options.after}`);
  out.info(`following the revocation feed after seq ${after} (Ctrl-C stops)`);
  if (!out.json) console.log(line(HEADER));
  const abort = new AbortController();
  let printed = 0;
  try {
    for await (const event of openFeed(after, abort.signal)) {
      const entry = parseEntry(event);
      if (entry === undefined) continue;
      console.log(out.json ? JSON.stringify(entry) : line(row(entry)));
      printed += 1;
      if (printed >= count) break;
    }
  } finally {
    abort.abort();
  }
};

const parseEntry = (event: FeedEvent): Entry | undefined =>
  event.event === 'revocation' ? (JSON.parse(event.data) as Entry) : undefined;

export const revokeCommand = async (
  { client, out }: Deps,
  type: string,
  id: string,
  options: { reason: string; note?: string; dryRun?: boolean },
): Promise<void> => {
  const targetId = type === 'user' ? await resolveUserId(client, id) : id;
  // A group, a role or everyone can be many thousand sessions in one transaction.
  const result = await withProgress(out, `revoking ${type} ${id}`, () =>
    client.request<{
      id: string | null;
      seq: number | null;
      sessions_revoked: number;
      refresh_tokens_revoked: number;
      effective_at: string | null;
      matched: { users: number; sessions: number; known: boolean | null; known_group?: boolean };
      warnings: { code: string; message: string; suggestions?: string[] }[];
    }>('POST', '/v1/revocations', {
      target: { type, id: targetId },
      reason: options.reason,
      ...(options.note !== undefined && { note: options.note }),
      dry_run: options.dryRun === true,
    }),
  );
  out.result(result, () =>
    options.dryRun === true
      ? `dry run: would revoke ${result.sessions_revoked} sessions and ${result.refresh_tokens_revoked} refresh tokens`
      : `revoked ${type} ${targetId}: ${result.sessions_revoked} sessions, ${result.refresh_tokens_revoked} refresh tokens (seq ${result.seq}, effective ${result.effective_at})`,
  );
  // A mistyped group or role revokes nothing anyone holds: say so where a person will see it.
  for (const warning of result.warnings) out.warn(`${warning.message} [${warning.code}]`);
};
