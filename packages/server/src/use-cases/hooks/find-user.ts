import { parseUserId } from '../../domain/ids.js';
import type { UserRecord } from '../../domain/records.js';
import type { UserRef } from '../../domain/hooks/evaluate-mapping.js';
import type { StoreReader } from '../../ports/storage/store.js';

export type UserLookupResult =
  | { readonly kind: 'found'; readonly user: UserRecord }
  | { readonly kind: 'missing' }
  /** Several users share the email: a webhook must not guess which one it meant. */
  | { readonly kind: 'ambiguous'; readonly count: number };

/** The user a webhook names. Emails compare case-insensitively (ASCII letters), through an index. */
export const findUserByRef = async (users: StoreReader['users'], ref: UserRef): Promise<UserLookupResult> => {
  const one = (user: UserRecord | undefined): UserLookupResult =>
    user === undefined ? { kind: 'missing' } : { kind: 'found', user };
  switch (ref.by) {
    case 'id': {
      const id = parseUserId(ref.value);
      return one(id === undefined ? undefined : await users.findById(id));
    }
    case 'username':
      return one(await users.findByUsername(ref.value));
    case 'external_id':
      return one(await users.findByExternalId(ref.value));
    case 'email': {
      const matches = await users.findByEmail(ref.value);
      if (matches.length > 1) return { kind: 'ambiguous', count: matches.length };
      return one(matches[0]);
    }
  }
};
