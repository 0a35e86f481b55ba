import { resolveUserId, type Deps, type User } from './admin-commands.js';

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
