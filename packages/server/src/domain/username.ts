/**
 * How usernames compare: case-insensitively (RFC 7643 `userName` is `caseExact: false`), so that
 * `Olivia@Example.com` and `olivia@example.com` are one identity, while the stored username keeps
 * the case it was created with for display.
 *
 * The rule is ASCII case folding (A-Z to a-z, nothing else), not Unicode case folding or NFKC:
 * usernames are limited to `[A-Za-z0-9._@+-]` (USERNAME_PATTERN), for which ASCII folding *is*
 * full case folding, and it is exactly what SQLite's `lower()` and PostgreSQL's `lower()` under
 * the "C" collation of the username column compute, so the migration, the index and this code
 * agree. Unicode folding would also map look-alikes onto ASCII (U+212A KELVIN SIGN to `k`,
 * U+0130 to `i` plus a combining dot), letting a non-ASCII login string reach an ASCII account;
 * with ASCII folding such a string matches no user at all.
 */
export const asciiLowerCase = (text: string): string =>
  text.replace(/[A-Z]+/g, (letters) => letters.toLowerCase());

/** The key usernames are unique by and looked up with (`users.username_normalized`). */
export const normalizeUsername = (username: string): string => asciiLowerCase(username);
