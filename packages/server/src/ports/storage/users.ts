import type { UserId } from '../../domain/ids.js';
import type { UserRecord } from '../../domain/records.js';
import type { Page } from './page.js';

export interface UserPatch {
  /**
   * A rename; `CutoffError('ERR_CONFLICT')` when another user has the name in any letter case
   * (`normalizeUsername`). A change of case alone is a rename of the user onto itself, allowed.
   */
  readonly username?: string;
  readonly email?: string | null;
  readonly passwordHash?: string | null;
  readonly roles?: readonly string[];
  readonly groups?: readonly string[];
  readonly active?: boolean;
  readonly totpSecret?: string | null;
  /** A new, unconfirmed enrolment (replacing any pending one); login ignores it. */
  readonly totpPendingSecret?: string | null;
  readonly mfaRequired?: boolean;
  readonly externalId?: string | null;
  readonly displayName?: string | null;
  readonly givenName?: string | null;
  readonly familyName?: string | null;
  readonly updatedAt: Date;
}

export interface UserRepository {
  /**
   * Throws `CutoffError('ERR_CONFLICT')` on a duplicate username; usernames are unique by
   * `normalizeUsername` (case-insensitively), and stored as given.
   */
  insert(user: UserRecord): Promise<void>;
  findById(id: UserId): Promise<UserRecord | undefined>;
  /** The user whose username is `username` in any letter case (`normalizeUsername`). */
  findByUsername(username: string): Promise<UserRecord | undefined>;
  list(query: {
    /** Case-insensitive, as `findByUsername`. */
    readonly username?: string;
    readonly limit: number;
    readonly cursor?: string;
  }): Promise<Page<UserRecord>>;
  /** Returns the updated user, or undefined when it does not exist. */
  update(id: UserId, patch: UserPatch): Promise<UserRecord | undefined>;
  /**
   * Records `step` as the last TOTP time step the user logged in with, if it is later than the
   * last one. False when it is not: the code (or an older one) was already used, and RFC 6238
   * section 5.2 forbids accepting it twice. A compare-and-set, so of two concurrent logins with
   * one code exactly one wins. A new TOTP secret (`update` with `totpSecret`) forgets the step.
   */
  claimTotpStep(id: UserId, step: number): Promise<boolean>;
  /**
   * Replaces the stored TOTP secret if it is still `expected` (re-sealing the same secret, so the
   * last used step is kept); false when it changed meanwhile (a re-enrolment) or is gone.
   */
  replaceTotpSecret(id: UserId, expected: string, totpSecret: string): Promise<boolean>;
  /** As `replaceTotpSecret`, for the pending (unconfirmed) secret. */
  replaceTotpPendingSecret(id: UserId, expected: string, totpPendingSecret: string): Promise<boolean>;
  /**
   * Makes the pending TOTP secret, if it is still `expectedPending`, the active one, with `step`
   * (the confirming code's) as its last used step. A compare-and-set: false when the pending
   * secret was replaced (a re-enrolment) or already confirmed meanwhile.
   */
  confirmTotp(id: UserId, expectedPending: string, step: number, updatedAt: Date): Promise<boolean>;
  /**
   * Users whose email is `email` with ASCII letters compared case-insensitively (the rule of mail
   * domains, and what mail systems do for local parts), by id. Indexed: webhooks find their user
   * this way. Several users may share an email; callers decide what that means.
   */
  findByEmail(email: string): Promise<readonly UserRecord[]>;
  /** The user with this SCIM `externalId` (the lowest id if several share it). */
  findByExternalId(externalId: string): Promise<UserRecord | undefined>;
  /** How many users exist (SCIM `totalResults`). */
  countAll(): Promise<number>;
  /** How many users hold the role (what a `role` revocation covers). Indexed. */
  countWithRole(role: string): Promise<number>;
  /** The distinct role names users hold, ascending, at most `limit` (typo suggestions). */
  roleNames(limit: number): Promise<readonly string[]>;
  /**
   * Hard-deletes a user with its role and group rows and, in the same transaction, its sessions
   * and their refresh tokens (revoke them first: revocation entries and audit events are not
   * touched and stay as evidence). Returns false when the user does not exist.
   */
  delete(id: UserId): Promise<boolean>;
}
