import { closeNames, type RevocationMatch } from '../../domain/revocation-match.js';
import type { RevocationTarget } from '../../domain/revocation-plan.js';
import type { StoreTx } from '../../ports/storage/store.js';

/** Enough names to find a typo's original among; deployments have tens of groups and roles. */
const KNOWN_NAMES_LIMIT = 10_000;

export type TargetMatch = Omit<RevocationMatch, 'sessions'>;

/**
 * Who the target names, read in the caller's transaction before the revocation changes anything
 * (a client's users are those with an active session). The caller adds the sessions it killed.
 */
export const matchTarget = async (tx: StoreTx, target: RevocationTarget): Promise<TargetMatch> => {
  switch (target.type) {
    case 'user':
    case 'session':
      return { users: 1, known: true };
    case 'client':
      return {
        users: await tx.sessions.countActiveUsers({ kind: 'client', key: target.id }),
        known: true,
      };
    case 'all':
      return { users: await tx.users.countAll(), known: true };
    case 'token':
      return { users: 0, known: null };
    case 'group': {
      const users = (await tx.groups.memberIds(target.id)).length;
      const known = users > 0 || (await tx.groups.findByName(target.id)) !== undefined;
      return { users, known, knownGroup: known };
    }
    case 'role': {
      const users = await tx.users.countWithRole(target.id);
      const known = users > 0 || (await tx.clients.list()).some((client) => client.roles.includes(target.id));
      return { users, known };
    }
  }
};

/** Known group or role names close to the target's, for an unknown one (else none). */
export const suggestTargets = async (
  tx: StoreTx,
  target: RevocationTarget,
  match: TargetMatch,
): Promise<readonly string[]> => {
  if (match.known !== false) return [];
  if (target.type === 'group') return closeNames(target.id, await tx.groups.names(KNOWN_NAMES_LIMIT));
  if (target.type === 'role') {
    const clientRoles = (await tx.clients.list()).flatMap((client) => client.roles);
    const roles = [...new Set([...(await tx.users.roleNames(KNOWN_NAMES_LIMIT)), ...clientRoles])];
    return closeNames(target.id, roles);
  }
  return [];
};
