import { writeFileSync } from 'node:fs';
import { SingleBar, Presets } from 'cli-progress';
import type { AdminClient } from '../admin-client.js';
import { table, type Output } from '../output.js';
import { withProgress } from '../progress.js';
import { promptNewPassword } from '../prompt.js';

export interface User {
  readonly id: string;
  readonly username: string;
  readonly email: string | null;
  readonly roles: readonly string[];
  readonly groups: readonly string[];
  readonly active: boolean;
}
interface Session {
  readonly id: string;
  readonly status: string;
  readonly created_at: string;
  readonly last_seen_at: string;
  readonly ip: string | null;
  readonly client_id: string;
  readonly revoked_reason?: string;
}
interface AuditEvent {
  readonly seq: number;
  readonly ts: string;
  readonly action: string;
  readonly actor: { readonly type: string; readonly id: string };
  readonly target: { readonly type: string; readonly id: string } | null;
  readonly reason: string | null;
  readonly counts: Record<string, number> | null;
}

export interface Deps {
  readonly client: AdminClient;
  readonly out: Output;
}

const readStdin = async (): Promise<string> => {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
};

/**
 * Where the new user's password comes from: standard input with --password-stdin, a hidden prompt
 * on a terminal, nowhere with --no-password. Anything else is refused: `users add carol </dev/null`
 * used to create a user without a password, silently.
 */
const newPassword = async (
  username: string,
  options: { passwordStdin?: boolean; password?: boolean },
): Promise<string | undefined> => {
  if (options.passwordStdin === true) {
    if (options.password === false)
      throw new Error('--password-stdin and --no-password contradict each other');
    const password = await readStdin();
    if (password === '') throw new Error('--password-stdin read an empty password; nothing was created');
    return password;
  }
  if (options.password === false) return undefined;
  if (process.stdin.isTTY) return promptNewPassword(username);
  throw new Error(
    'no password given and standard input is not a terminal: pipe one with --password-stdin, ' +
      'or pass --no-password to create the user without one (they cannot log in with a password until one is set)',
  );
};

export const usersAdd = async (
  { client, out }: Deps,
  username: string,
  options: { email?: string; passwordStdin?: boolean; password?: boolean; role?: string[]; group?: string[] },
): Promise<void> => {
  const password = await newPassword(username, options);
  const user = await client.request<User>('POST', '/v1/users', {
    username,
    ...(options.email !== undefined && { email: options.email }),
    ...(password !== undefined && { password }),
    roles: options.role ?? [],
    groups: options.group ?? [],
  });
  out.result(
    user,
    () => `created user ${user.username} (${user.id})${password === undefined ? ', without a password' : ''}`,
  );
};

export const usersList = async ({ client, out }: Deps, options: { username?: string }): Promise<void> => {
  const query = options.username === undefined ? '' : `?username=${encodeURIComponent(options.username)}`;
  const { users } = await client.request<{ users: User[] }>('GET', `/v1/users${query}`);
  out.result(users, () =>
    table([
      ['ID', 'USERNAME', 'ACTIVE', 'ROLES', 'GROUPS'],
      ...users.map((user) => [
        user.id,
        user.username,
        String(user.active),
        user.roles.join(','),
        user.groups.join(','),
      ]),
    ]),
  );
};

/** Accepts a user id or a username. */
export const resolveUserId = async (client: AdminClient, user: string): Promise<string> => {
  if (user.startsWith('usr_')) return user;
  const { users } = await client.request<{ users: User[] }>(
    'GET',
    `/v1/users?username=${encodeURIComponent(user)}`,
  );
  const found = users[0];
  if (found === undefined) throw new Error(`no user named ${user}`);
  return found.id;
};

export const sessions = async ({ client, out }: Deps, user: string): Promise<void> => {
  const id = await resolveUserId(client, user);
  const result = await client.request<{ sessions: Session[] }>(
    'GET',
    `/v1/users/${encodeURIComponent(id)}/sessions`,
  );
  out.result(result.sessions, () =>
    table([
      ['SESSION', 'STATUS', 'CREATED', 'LAST SEEN', 'IP', 'CLIENT', 'REASON'],
      ...result.sessions.map((session) => [
        session.id,
        session.status,
        session.created_at,
        session.last_seen_at,
        session.ip ?? '',
        session.client_id,
        session.revoked_reason ?? '',
      ]),
    ]),
  );
};

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

export const keysRotate = async ({ client, out }: Deps, options: { alg?: string }): Promise<void> => {
  const result = await client.request<{ kid: string; alg: string }>(
    'POST',
    '/v1/keys/rotate',
    options.alg === undefined ? {} : { alg: options.alg },
  );
  out.result(
    result,
    () => `new signing key ${result.kid} (${result.alg}); the previous key stays in the JWKS`,
  );
};

interface OutboxMessageView {
  readonly id: string;
  readonly kind: string;
  readonly to: string | null;
  readonly status: string;
  readonly attempts: number;
  readonly last_error: string | null;
  readonly created_at: string;
}

export const outboxList = async (
  { client, out }: Deps,
  options: { status?: string; limit?: string },
): Promise<void> => {
  const query = new URLSearchParams();
  if (options.status !== undefined) query.set('status', options.status);
  if (options.limit !== undefined) query.set('limit', options.limit);
  const result = await client.request<{ messages: OutboxMessageView[] }>(
    'GET',
    `/v1/outbox?${query.toString()}`,
  );
  out.result(result, () =>
    result.messages.length === 0
      ? 'no messages'
      : result.messages
          .map(
            (message) =>
              `${message.id}  ${message.status.padEnd(9)} ${message.kind.padEnd(5)} ${message.to ?? '-'}  ` +
              `attempts ${message.attempts}  ${message.created_at}${message.last_error === null ? '' : `\n    ${message.last_error}`}`,
          )
          .join('\n'),
  );
};

export const outboxRetry = async ({ client, out }: Deps, id: string): Promise<void> => {
  const result = await client.request<OutboxMessageView>(
    'POST',
    `/v1/outbox/${encodeURIComponent(id)}/retry`,
  );
  out.result(result, () => `${result.id} is pending again: a new round of delivery attempts starts now`);
};

export const secretsReseal = async ({ client, out }: Deps): Promise<void> => {
  const result = await client.request<{
    signing_keys: number;
    totp_secrets: number;
    canary_probe_headers?: number;
    destination_secrets?: number;
  }>('POST', '/v1/secrets/reseal');
  out.result(
    result,
    () =>
      `sealed with the current encryption key: ${result.signing_keys} signing keys, ` +
      `${result.totp_secrets} TOTP secrets, ${result.canary_probe_headers ?? 0} canary probes' headers, ` +
      `${result.destination_secrets ?? 0} destinations' secrets`,
  );
};

interface ApiKey {
  readonly id: string;
  readonly name: string;
  readonly scopes: readonly string[];
  readonly status: string;
  readonly created_at: string;
  readonly created_by: { readonly type: string; readonly id: string } | null;
  readonly expires_at: string | null;
  readonly last_used_at: string | null;
  readonly revoked_at: string | null;
}

export const apiKeysCreate = async (
  { client, out }: Deps,
  options: { name: string; scope: string[]; expiresAt?: string },
): Promise<void> => {
  const result = await client.request<ApiKey & { key: string }>('POST', '/v1/api-keys', {
    name: options.name,
    scopes: options.scope,
    ...(options.expiresAt !== undefined && { expires_at: options.expiresAt }),
  });
  const expiry = result.expires_at === null ? '' : `, expires ${result.expires_at}`;
  out.result(
    result,
    () =>
      `created API key ${result.id} (${result.scopes.join(', ')}${expiry}). Shown once:\n\n  ${result.key}\n`,
  );
};

export const apiKeysList = async ({ client, out }: Deps): Promise<void> => {
  const { api_keys: keys } = await client.request<{ api_keys: ApiKey[] }>('GET', '/v1/api-keys');
  out.result(keys, () =>
    table([
      ['ID', 'NAME', 'STATUS', 'SCOPES', 'CREATED BY', 'EXPIRES', 'LAST USED'],
      ...keys.map((key) => [
        key.id,
        key.name,
        key.status,
        key.scopes.join(','),
        key.created_by === null ? '' : `${key.created_by.type}:${key.created_by.id}`,
        key.expires_at ?? '',
        key.last_used_at ?? '',
      ]),
    ]),
  );
};

export const apiKeysRevoke = async (
  { client, out }: Deps,
  id: string,
  options: { reason: string },
): Promise<void> => {
  const key = await client.request<ApiKey>(
    'DELETE',
    `/v1/api-keys/${encodeURIComponent(id)}?reason=${encodeURIComponent(options.reason)}`,
  );
  out.result(key, () => `revoked API key ${key.id} (${key.name}) at ${key.revoked_at}`);
};
