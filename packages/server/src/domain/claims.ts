/** Names allowed for roles and groups: printable, no whitespace, bounded. */
export const NAME_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._:@/-]{0,127}$';
export const USERNAME_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}$';

/** Sorted, de-duplicated list so stored and signed claims are stable. */
export const normalizeNames = (names: readonly string[]): readonly string[] => [...new Set(names)].sort();

/** True when `next` lacks something `previous` had: a downgrade, which must cut old tokens off. */
export const isDowngrade = (previous: readonly string[], next: readonly string[]): boolean =>
  previous.some((name) => !next.includes(name));
