import { describe, expect, it } from 'vitest';
import { FeedCursor } from '../src/feed/feed-cursor.js';
import { parseHeartbeat, parseSnapshotPage, rawSeq } from '../src/feed/feed-wire.js';

const never = (): number | undefined => undefined;

describe('FeedCursor (the guard position in the feed, without I/O)', () => {
  it('a snapshot makes the guard fresh as of when it was asked for, and skips expired seqs', () => {
    const cursor = new FeedCursor();
    expect(cursor.freshAt).toBeUndefined();
    // Pages went up to seq 7 but the head was 10: 8-10 expired, nothing is missing.
    cursor.snapshotApplied(10, 7, 1_000);
    expect(cursor.seqApplied).toBe(10);
    expect(cursor.head).toBe(10);
    expect(cursor.freshAt).toBe(1_000);
    // Freshness never moves back.
    cursor.snapshotApplied(10, 10, 500);
    expect(cursor.freshAt).toBe(1_000);
  });

  it('stream entries in order advance; a gap asks for a delta; replays are duplicates', () => {
    const cursor = new FeedCursor();
    cursor.snapshotApplied(3, 3, 0);
    expect(cursor.isDuplicate(3)).toBe(true);
    expect(cursor.isDuplicate(4)).toBe(false);
    expect(cursor.revocationApplied(4)).toBe('in-order');
    expect(cursor.seqApplied).toBe(4);
    expect(cursor.revocationApplied(6)).toBe('gap');
    expect(cursor.seqApplied).toBe(4);
    expect(cursor.head).toBe(6);
  });

  it('a heartbeat above seqApplied starts the lag clock; a resync is due only after the allowance', () => {
    const cursor = new FeedCursor();
    cursor.snapshotApplied(5, 5, 0);
    expect(cursor.heartbeat(8, 100, never)).toBe('behind');
    expect(cursor.head).toBe(8);
    expect(cursor.freshAt).toBe(0);
    // A later heartbeat does not restart the clock.
    expect(cursor.heartbeat(8, 300, never)).toBe('behind');
    expect(cursor.resyncDue(1_100, 1_000)).toBe(false);
    expect(cursor.resyncDue(1_101, 1_000)).toBe(true);
    cursor.resyncStarted();
    expect(cursor.resyncDue(5_000, 1_000)).toBe(false);
    cursor.resyncFailed(5_000);
    expect(cursor.resyncDue(6_001, 1_000)).toBe(true);
  });

  it('a heartbeat at or below seqApplied makes the guard fresh as of the head read time', () => {
    const cursor = new FeedCursor();
    cursor.snapshotApplied(5, 5, 0);
    cursor.heartbeat(6, 100, never);
    expect(cursor.revocationApplied(6)).toBe('in-order');
    // Catching up stops the lag clock.
    expect(cursor.resyncDue(10_000, 1_000)).toBe(false);
    expect(cursor.heartbeat(6, 200, () => 150)).toBe('current');
    expect(cursor.freshAt).toBe(150);
    // A heartbeat that does not know its read time proves nothing new.
    expect(cursor.heartbeat(6, 300, never)).toBe('current');
    expect(cursor.freshAt).toBe(150);
  });
});

describe('the feed wire format', () => {
  it('parses a snapshot page and refuses one without a numeric head or entries', () => {
    expect(parseSnapshotPage({ head: 3, server_time: 9, has_more: true, entries: [] })).toEqual({
      head: 3,
      serverTime: 9,
      hasMore: true,
      entries: [],
    });
    expect(parseSnapshotPage({ head: '3', entries: [] })).toBeUndefined();
    expect(parseSnapshotPage({ head: 3 })).toBeUndefined();
    expect(parseSnapshotPage(null)).toBeUndefined();
  });

  it('reads a heartbeat field by field, ignoring values of the wrong type', () => {
    expect(
      parseHeartbeat({ head: 4, server_time: 10, head_read_at: 9, keys: { version: 2, kids: ['a'] } }),
    ).toEqual({ head: 4, serverTime: 10, headReadAt: 9, publishedKeys: { version: 2, kids: ['a'] } });
    expect(parseHeartbeat({ head: 1.5, keys: { version: 2, kids: [] } })).toEqual({
      head: undefined,
      serverTime: undefined,
      headReadAt: undefined,
      publishedKeys: undefined,
    });
    expect(parseHeartbeat('x')).toBeUndefined();
    expect(rawSeq({ seq: 5 })).toBe(5);
    expect(rawSeq({})).toBe(0);
  });
});
