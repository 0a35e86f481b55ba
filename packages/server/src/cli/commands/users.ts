import type { AdminClient } from '../admin-client.js';
import { table } from '../output.js';
import { promptNewPassword } from '../prompt.js';
import type { Deps } from './deps.js';

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

interface UserDetail extends User {
  readonly mfa_enrolled: boolean;
  readonly mfa_required: boolean;
  readonly created_at: string;
  readonly updated_at: string;
}
interface UpdatedUser extends UserDetail {
  readonly revocation: {
    readonly id: string;
    readonly seq: number;
    readonly reason: string;
    readonly sessions_revoked: number;
  } | null;
}

const userPath = async (deps: Deps, user: string): Promise<string> =>
  `/v1/users/${encodeURIComponent(await resolveUserId(deps.client, user))}`;

const describeUser = (user: UserDetail): string =>
  [
    `${user.username} (${user.id})`,
    `  active        ${user.active}`,
    `  email         ${user.email ?? '-'}`,
    `  roles         ${user.roles.join(', ') || '-'}`,
    `  groups        ${user.groups.join(', ') || '-'}`,
    `  mfa enrolled  ${user.mfa_enrolled}`,
    `  mfa required  ${user.mfa_required}`,
    `  created       ${user.created_at}`,
    `  updated       ${user.updated_at}`,
  ].join('\n');

const describeRevocation = (user: UpdatedUser): string =>
  user.revocation === null
    ? 'nothing to revoke'
    : `revoked ${user.revocation.sessions_revoked} sessions (reason ${user.revocation.reason}, seq ${user.revocation.seq})`;

export const usersShow = async (deps: Deps, user: string): Promise<void> => {
  const found = await deps.client.request<UserDetail>('GET', await userPath(deps, user));
  deps.out.result(found, () => describeUser(found));
};

/** Deactivation revokes every session of the user (reason `offboarding`) in the same transaction. */
export const usersSetActive = async (deps: Deps, user: string, active: boolean): Promise<void> => {
  const updated = await deps.client.request<UpdatedUser>('PATCH', await userPath(deps, user), { active });
  deps.out.result(updated, () =>
    active
      ? `activated ${updated.username} (${updated.id}): they can log in again`
      : `deactivated ${updated.username} (${updated.id}): they cannot log in; ${describeRevocation(updated)}`,
  );
};

/** Given roles or groups replace the current ones; losing any revokes the user (`role_change`). */
export const usersUpdate = async (
  deps: Deps,
  user: string,
  options: {
    readonly email?: string;
    readonly role?: string[];
    readonly roles?: boolean;
    readonly group?: string[];
    readonly groups?: boolean;
  },
): Promise<void> => {
  const body = {
    ...(options.email !== undefined && { email: options.email === '' ? null : options.email }),
    ...(options.roles === false ? { roles: [] } : options.role !== undefined && { roles: options.role }),
    ...(options.groups === false ? { groups: [] } : options.group !== undefined && { groups: options.group }),
  };
  if (Object.keys(body).length === 0)
    throw new Error('nothing to change: pass --role, --no-roles, --group, --no-groups or --email');
  const updated = await deps.client.request<UpdatedUser>('PATCH', await userPath(deps, user), body);
  deps.out.result(
    updated,
    () =>
      `updated ${updated.username}: roles ${updated.roles.join(', ') || '-'}, groups ${updated.groups.join(', ') || '-'}; ${describeRevocation(updated)}`,
  );
};

/**
 * Starts (or restarts) a TOTP enrolment. The secret is shown this once; login is unchanged until
 * `users totp confirm` sees a first valid code from the user's authenticator app.
 */
export const usersTotpEnrol = async (deps: Deps, user: string): Promise<void> => {
  const id = await resolveUserId(deps.client, user);
  const enrolment = await deps.client.request<{ secret: string; otpauth_uri: string }>(
    'POST',
    `/v1/users/${encodeURIComponent(id)}/totp`,
  );
  deps.out.result({ user_id: id, ...enrolment }, () =>
    [
      `TOTP enrolment started for ${user === id ? id : `${user} (${id})`}. Shown once: give it to the user over a verified channel`,
      '(scan the URI as a QR code, or type the secret into the authenticator app).',
      '',
      `  ${enrolment.otpauth_uri}`,
      `  secret  ${enrolment.secret}`,
      '',
      `Login is unchanged until: cutoff users totp confirm ${user} <code from the app>`,
    ].join('\n'),
  );
};

/**
 * Confirms the pending enrolment with a first valid code: from then on every login needs one.
 * The code is an argument, not a prompt: it is valid for seconds and confirming uses it up, so
 * the shell history keeps nothing that works, and the help desk can paste what the user reads out.
 */
export const usersTotpConfirm = async (deps: Deps, user: string, code: string): Promise<void> => {
  // Authenticator apps show "123 456".
  const digits = code.replace(/\s/g, '');
  if (!/^\d{6}$/.test(digits)) throw new Error(`a TOTP code is 6 digits, not '${code}'`);
  const confirmed = await deps.client.request<UserDetail>(
    'POST',
    `${await userPath(deps, user)}/totp/confirm`,
    {
      code: digits,
    },
  );
  deps.out.result(
    confirmed,
    () => `TOTP confirmed for ${confirmed.username} (${confirmed.id}): every login now needs a code`,
  );
};
