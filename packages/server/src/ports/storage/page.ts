export interface Page<T> {
  readonly items: readonly T[];
  /** Opaque; pass back to get the next page. Null on the last page. */
  readonly nextCursor: string | null;
}
