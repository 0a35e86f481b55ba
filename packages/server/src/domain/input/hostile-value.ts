/**
 * Input no store can hold and no handler should walk: a NUL character (PostgreSQL text rejects
 * it with "invalid byte sequence for encoding UTF8", SQLite would store a value that PostgreSQL
 * later cannot), and nesting deeper than any real request (a SCIM PATCH value nested 3,000
 * levels deep overflowed the stack of the recursive code that applies it).
 */
export type HostileValueProblem =
  { readonly kind: 'nul'; readonly at: string } | { readonly kind: 'depth'; readonly at: string };

/**
 * Deeper than any request Cutoff accepts (a SCIM PATCH value or a webhook event is a handful of
 * levels); shallow enough that recursive code over the value cannot exhaust the stack.
 */
export const MAX_INPUT_DEPTH = 32;

/** Only names like these are echoed in `at`; anything else (possibly a secret) becomes `?`. */
const NAME_SHAPED = /^[A-Za-z0-9_.:$-]{1,64}$/;

const hasNul = (text: string): boolean => text.includes('\u0000');

/**
 * The first problem in a parsed value (object keys included), or undefined. Iterative, so a
 * hostile value cannot overflow the stack of the check itself; `at` is a JSON-pointer-like path
 * of names (never the offending value).
 */
export const findHostileValue = (
  value: unknown,
  maxDepth: number = MAX_INPUT_DEPTH,
): HostileValueProblem | undefined => {
  const pending: { readonly value: unknown; readonly depth: number; readonly at: string }[] = [
    { value, depth: 0, at: '' },
  ];
  for (let item = pending.pop(); item !== undefined; item = pending.pop()) {
    const { value: current, depth, at } = item;
    if (typeof current === 'string') {
      if (hasNul(current)) return { kind: 'nul', at: at === '' ? '/' : at };
      continue;
    }
    if (typeof current !== 'object' || current === null || ArrayBuffer.isView(current)) continue;
    if (depth >= maxDepth) return { kind: 'depth', at: at === '' ? '/' : at };
    if (Array.isArray(current)) {
      current.forEach((element, index) =>
        pending.push({ value: element, depth: depth + 1, at: `${at}/${index}` }),
      );
      continue;
    }
    for (const [key, element] of Object.entries(current)) {
      const path = `${at}/${NAME_SHAPED.test(key) ? key : '?'}`;
      if (hasNul(key)) return { kind: 'nul', at: path };
      pending.push({ value: element, depth: depth + 1, at: path });
    }
  }
  return undefined;
};
