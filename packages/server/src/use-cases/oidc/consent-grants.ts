import type { ClientId, UserId } from '../../domain/ids.js';
import type { ConsentGrantRecord } from '../../domain/oidc-records.js';
import type { RevocationTarget } from '../../domain/revocation-plan.js';
import type { StoreTx } from '../../ports/storage/store.js';

/** One canonical form of a scope set, so "email openid" and "openid email" are one grant. */
export const canonicalScope = (scope: string): string =>
  [...new Set(scope.split(' ').filter(Boolean))].sort().join(' ');

/** Whether a remembered grant covers every scope the request asks for. */
export const grantCovers = (grant: ConsentGrantRecord | undefined, scope: string): boolean => {
  if (grant === undefined) return false;
  const allowed = new Set(grant.scope.split(' '));
  return canonicalScope(scope)
    .split(' ')
    .every((name) => allowed.has(name));
};

/**
 * Inside a revocation's transaction: a cutoff of the user, the client or everyone also forgets
 * the consent they had given, so the next sign-in to a third-party client asks again. Session,
 * group, role and token revocations end sessions but leave what the user agreed to.
 */
export const forgetConsentGrants = async (tx: StoreTx, target: RevocationTarget): Promise<void> => {
  if (target.type === 'user') await tx.oidc.deleteConsentGrants({ kind: 'user', id: target.id as UserId });
  else if (target.type === 'client')
    await tx.oidc.deleteConsentGrants({ kind: 'client', id: target.id as ClientId });
  else if (target.type === 'all') await tx.oidc.deleteConsentGrants({ kind: 'all' });
};
