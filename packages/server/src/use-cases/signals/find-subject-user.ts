import type { UserRef } from '../../domain/hooks/evaluate-mapping.js';
import type { UserRecord } from '../../domain/records.js';
import type { StoreReader } from '../../ports/storage/store.js';
import { findUserByRef } from '../hooks/find-user.js';

export type SubjectUserLookup =
  | { readonly kind: 'found'; readonly user: UserRecord }
  | { readonly kind: 'missing' | 'ambiguous'; readonly detail: string };

/** The first candidate reference that names exactly one user; several users by one email are refused. */
export const findSubjectUser = async (
  users: StoreReader['users'],
  candidates: readonly UserRef[],
): Promise<SubjectUserLookup> => {
  for (const ref of candidates) {
    const lookup = await findUserByRef(users, ref);
    if (lookup.kind === 'found') return lookup;
    if (lookup.kind === 'ambiguous')
      return { kind: 'ambiguous', detail: `${lookup.count} users have this ${ref.by}` };
  }
  return { kind: 'missing', detail: 'user not found' };
};
