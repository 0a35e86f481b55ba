import type { GroupRepository } from '../../ports/storage/groups.js';

/** What a user's groups grant at one instant, after the groups' end dates are applied. */
export interface GroupAccess {
  /** The groups tokens may carry: the user's groups minus ended ones and ones past their end date. */
  readonly groups: readonly string[];
  /** The earliest pending end date among the carried groups (tokens carry it as `access_until`). */
  readonly accessUntil: Date | null;
  /**
   * Groups whose end date has passed but that the schedule has not ended yet (at most one
   * schedule interval). A session of such a member must not mint new tokens.
   */
  readonly lapsed: readonly string[];
}

/**
 * Applies the group records (end dates) to a user's group names. A name without a record has no
 * end date. One lookup per group name; users belong to a handful of groups.
 */
export const resolveGroupAccess = async (
  groups: Pick<GroupRepository, 'findByName'>,
  names: readonly string[],
  now: Date,
): Promise<GroupAccess> => {
  const carried: string[] = [];
  const lapsed: string[] = [];
  let accessUntil: Date | null = null;
  for (const name of names) {
    const record = await groups.findByName(name);
    if (record !== undefined && record.endedAt !== null) continue;
    // To the second, rounded down, as tokens carry it: the server and guards agree on the instant.
    const exactEnd = record?.endAt ?? null;
    const endAt = exactEnd === null ? null : new Date(Math.floor(exactEnd.getTime() / 1000) * 1000);
    if (endAt === null) {
      carried.push(name);
    } else if (endAt.getTime() <= now.getTime()) {
      lapsed.push(name);
    } else {
      carried.push(name);
      if (accessUntil === null || endAt < accessUntil) accessUntil = endAt;
    }
  }
  return { groups: carried, accessUntil, lapsed };
};
