import type { UserId } from '../../domain/ids.js';
import type { GroupRecord, MemberDeactivation } from '../../domain/records.js';
import type { Page } from './page.js';

export interface GroupPatch {
  /** A rename: carried over to every member's groups in the same transaction. */
  readonly name?: string;
  readonly displayName?: string;
  readonly externalId?: string | null;
  readonly endAt?: Date | null;
  readonly endedAt?: Date | null;
  readonly deactivateMembers?: MemberDeactivation;
  readonly updatedAt: Date;
}

/**
 * Group records are optional metadata for group names; membership is the users' `groups` (kept
 * in step with the indexed `user_groups` rows). Membership changes made here leave the users'
 * `updatedAt` alone.
 */
export interface GroupRepository {
  /** Throws `CutoffError('ERR_CONFLICT')` on a duplicate id or name. */
  insert(group: GroupRecord): Promise<void>;
  findById(id: string): Promise<GroupRecord | undefined>;
  findByName(name: string): Promise<GroupRecord | undefined>;
  /** The group with this SCIM `externalId` (the lowest id if several share it). */
  findByExternalId(externalId: string): Promise<GroupRecord | undefined>;
  /** By id, with an opaque cursor. */
  list(query: { readonly limit: number; readonly cursor?: string }): Promise<Page<GroupRecord>>;
  /**
   * Returns the updated group, or undefined when it does not exist. A rename renames the group in
   * every member's groups too; renaming onto a name another group record holds throws
   * `CutoffError('ERR_CONFLICT')`.
   */
  update(id: string, patch: GroupPatch): Promise<GroupRecord | undefined>;
  /** Deletes the group and every membership of its name. Returns false when it does not exist. */
  delete(id: string): Promise<boolean>;
  /** Ids of the users whose groups include the name, ascending. */
  memberIds(name: string): Promise<readonly UserId[]>;
  /**
   * The distinct group names Cutoff knows, ascending, at most `limit`: those of group records
   * (ended ones included) and those users are members of (typo suggestions).
   */
  names(limit: number): Promise<readonly string[]>;
  /** Adds the name to the user's groups. False when already a member or the user does not exist. */
  addMember(name: string, userId: UserId): Promise<boolean>;
  /** Removes the name from the user's groups. False when not a member. */
  removeMember(name: string, userId: UserId): Promise<boolean>;
  /** Groups whose end date has come (`endAt <= now`) and that have not been ended, soonest first. */
  listDueForEnd(now: Date): Promise<readonly GroupRecord[]>;
  /** The earliest end date among the not-yet-ended groups with these names, or null. */
  earliestEndAt(names: readonly string[]): Promise<Date | null>;
}
