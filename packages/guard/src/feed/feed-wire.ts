/**
 * The feed's wire format as the guard reads it: a snapshot page (`GET /v1/revocations`) and a
 * heartbeat (the stream's `heartbeat` event). Pure parsing; a value of the wrong type reads as
 * absent, so a server from another release is tolerated field by field.
 */

export interface SnapshotPage {
  readonly head: number;
  readonly serverTime: number | undefined;
  readonly hasMore: boolean;
  readonly entries: readonly unknown[];
}

export const parseSnapshotPage = (body: unknown): SnapshotPage | undefined => {
  if (typeof body !== 'object' || body === null) return undefined;
  const {
    head,
    server_time: serverTime,
    has_more: hasMore,
    entries,
  } = body as Readonly<Record<string, unknown>>;
  if (typeof head !== 'number' || !Number.isSafeInteger(head) || !Array.isArray(entries)) return undefined;
  return {
    head,
    serverTime: typeof serverTime === 'number' ? serverTime : undefined,
    hasMore: hasMore === true,
    entries,
  };
};

/** The `seq` of a raw entry, 0 when it has none (the entry is then refused as malformed). */
export const rawSeq = (raw: unknown): number =>
  typeof raw === 'object' && raw !== null && typeof (raw as { seq?: unknown }).seq === 'number'
    ? (raw as { seq: number }).seq
    : 0;

export interface Heartbeat {
  /** Absent when the replica cannot read the store: it vouches for nothing. */
  readonly head: number | undefined;
  readonly serverTime: number | undefined;
  /** When the replica read `head` (server clock); a server from before this field sends none. */
  readonly headReadAt: number | undefined;
  readonly publishedKeys: { readonly version: number; readonly kids: readonly string[] } | undefined;
}

export const parseHeartbeat = (data: unknown): Heartbeat | undefined => {
  if (typeof data !== 'object' || data === null) return undefined;
  const {
    head,
    server_time: serverTime,
    head_read_at: headReadAt,
    keys,
  } = data as { head?: unknown; server_time?: unknown; head_read_at?: unknown; keys?: unknown };
  let publishedKeys: Heartbeat['publishedKeys'];
  if (typeof keys === 'object' && keys !== null) {
    const { version, kids } = keys as { version?: unknown; kids?: unknown };
    if (
      typeof version === 'number' &&
      Number.isFinite(version) &&
      Array.isArray(kids) &&
      kids.length > 0 &&
      kids.every((kid) => typeof kid === 'string')
    )
      publishedKeys = { version, kids };
  }
  return {
    head: typeof head === 'number' && Number.isSafeInteger(head) ? head : undefined,
    serverTime: typeof serverTime === 'number' ? serverTime : undefined,
    headReadAt: typeof headReadAt === 'number' ? headReadAt : undefined,
    publishedKeys,
  };
};
