import type { RevocationTarget } from './revocation-plan.js';

/**
 * What a revocation's target covered when it was written: the answer to "did I just revoke a
 * typo?". The entry is written whatever the answer (a token issued later may carry the name).
 */
export interface RevocationMatch {
  /** Users the target names now: the user; the session's user; group members; role holders;
   * users with an active session of the client; every user (`all`); 0 for `token`. */
  readonly users: number;
  /** Active sessions the entry covers (and so kills). */
  readonly sessions: number;
  /**
   * Whether the target names something Cutoff knows: always true for user, session and client
   * (an unknown one is a 404) and `all`; for a group, a group record or a member; for a role, a
   * user or a client holding it; null for `token` (access tokens are not stored, so a jti cannot
   * be checked).
   */
  readonly known: boolean | null;
  /** Group revocations only: the group is known (same as `known`). */
  readonly knownGroup?: boolean;
}

export type RevocationWarningCode = 'target_matched_nothing' | 'no_active_session';

export interface RevocationWarning {
  /** Stable, for scripts. */
  readonly code: RevocationWarningCode;
  /** For people; may change wording. */
  readonly message: string;
  /** Known names close to an unknown group or role name, closest first. */
  readonly suggestions?: readonly string[];
}

/** Optimal string alignment distance (Levenshtein plus adjacent transpositions). */
export const editDistance = (a: string, b: string): number => {
  const rows = a.length + 1;
  const columns = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) =>
    Array.from({ length: columns }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const at = (i: number, j: number): number => d[i]?.[j] ?? Number.POSITIVE_INFINITY;
  for (let i = 1; i < rows; i += 1) {
    for (let j = 1; j < columns; j += 1) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, at(i - 2, j - 2) + 1);
      }
      const row = d[i];
      if (row !== undefined) row[j] = best;
    }
  }
  return at(a.length, b.length);
};

const MAX_SUGGESTIONS = 3;

/**
 * Known names a mistyped `name` was probably meant to be: case-insensitively within two edits,
 * and within a third of the name's length (so `ops` does not suggest `dev`), closest first.
 */
export const closeNames = (name: string, known: readonly string[]): readonly string[] => {
  const wanted = name.toLowerCase();
  const limit = Math.min(2, Math.max(1, Math.floor(wanted.length / 3)));
  return known
    .filter((candidate) => candidate !== name)
    .map((candidate) => ({ candidate, distance: editDistance(wanted, candidate.toLowerCase()) }))
    .filter(({ distance }) => distance <= limit)
    .sort((a, b) => a.distance - b.distance || a.candidate.localeCompare(b.candidate))
    .slice(0, MAX_SUGGESTIONS)
    .map(({ candidate }) => candidate);
};

const quoted = (names: readonly string[]): string => names.map((name) => `'${name}'`).join(', ');

/**
 * The warnings a revocation answers with. `suggestions`: close known names, looked up only when
 * the target is an unknown group or role.
 */
export const revocationWarnings = (
  target: RevocationTarget,
  match: RevocationMatch,
  suggestions: readonly string[] = [],
): readonly RevocationWarning[] => {
  const written = 'the entry is written so tokens carrying it are refused';
  switch (target.type) {
    case 'group':
    case 'role': {
      // A role only clients hold matches their service tokens: not nothing.
      if (match.users > 0 || match.sessions > 0 || (target.type === 'role' && match.known === true))
        return [];
      const what = `${target.type} '${target.id}'`;
      const hint = suggestions.length === 0 ? '' : ` Did you mean ${quoted(suggestions)}?`;
      const message =
        match.known === true
          ? `${what} has no ${target.type === 'group' ? 'member' : 'holder'} and matched no session; ${written}.`
          : `${what} is not a known ${target.type} and matched no user or session; ${written} (a typo would leave the intended ${target.type} untouched).${hint}`;
      return [
        {
          code: 'target_matched_nothing',
          message,
          ...(suggestions.length > 0 && { suggestions }),
        },
      ];
    }
    case 'user':
    case 'session':
    case 'client': {
      if (match.sessions > 0) return [];
      const message =
        target.type === 'session'
          ? `session '${target.id}' was not active (already revoked, ended or expired); the entry still refuses its access tokens.`
          : `${target.type} '${target.id}' had no active session; the entry still refuses access tokens issued before it.`;
      return [{ code: 'no_active_session', message }];
    }
    case 'token':
    case 'all':
      return [];
  }
};
