import { createHash } from 'node:crypto';
import { GENESIS_HASH } from './audit-chain.js';
import { canonicalJson } from './canonical-json.js';
import { fromOcsf } from './destinations/ocsf.js';

/*
 * Checks a copy of the audit trail held elsewhere (a SIEM export, a `file` destination, an
 * `audit export`) on its own, offline: every event's hash against its content, every link
 * against the event before it, and the seqs for gaps. At-least-once delivery and replays put
 * some events in twice; identical copies are fine, different ones are an edit.
 */

export interface CopyProblem {
  readonly seq: number | null;
  /** 1-based line of the copy, where one applies. */
  readonly line: number | null;
  readonly problem: string;
}

export interface CopyVerification {
  readonly ok: boolean;
  /** Distinct events read. */
  readonly events: number;
  readonly firstSeq: number | null;
  readonly lastSeq: number | null;
  /** Repeated identical copies (at-least-once delivery, replays): not a problem. */
  readonly duplicates: number;
  /** Missing seq ranges between the first and the last event (a deleted line shows here). */
  readonly gaps: readonly { readonly from: number; readonly to: number }[];
  /** Edited, conflicting or unreadable events. */
  readonly edits: readonly CopyProblem[];
}

interface CopiedEvent {
  readonly seq: number;
  readonly prevHash: string;
  readonly hash: string;
  readonly body: Readonly<Record<string, unknown>>;
  readonly line: number;
}

const HASH = /^[0-9a-f]{64}$/;
const BODY_FIELDS = [
  'seq',
  'ts',
  'action',
  'actor',
  'target',
  'reason',
  'counts',
  'request',
  'details',
] as const;

/**
 * The event inside one line: the line itself (`audit export`, a `file` destination), a
 * destination envelope `{id, data}`, or a Splunk HEC event `{time, host, event}`; in Cutoff's
 * export shape or OCSF (`format: "ocsf"`, converted back with `fromOcsf`).
 */
const eventOf = (parsed: unknown): Record<string, unknown> => {
  const outer = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
  let event = outer;
  if (!('seq' in outer) && !('class_uid' in outer))
    for (const member of ['data', 'event']) {
      const inner = outer[member];
      if (typeof inner === 'object' && inner !== null) {
        event = inner as Record<string, unknown>;
        break;
      }
    }
  if ('class_uid' in event) return (fromOcsf(event) as Record<string, unknown> | null) ?? {};
  return event;
};

/** A line is an exported event, or a destination envelope `{id, data: <exported event>}`. */
const readLine = (text: string, line: number): CopiedEvent | CopyProblem => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { seq: null, line, problem: 'not JSON' };
  }
  const event = eventOf(parsed);
  const { seq, prev_hash: prevHash, hash } = event;
  if (
    typeof seq !== 'number' ||
    !Number.isInteger(seq) ||
    seq < 1 ||
    typeof prevHash !== 'string' ||
    typeof hash !== 'string'
  )
    return {
      seq: typeof seq === 'number' ? seq : null,
      line,
      problem: 'not an audit event (seq, prev_hash, hash)',
    };
  const body: Record<string, unknown> = {};
  for (const field of BODY_FIELDS) body[field] = event[field];
  const actor = event['actor'];
  if (typeof actor === 'object' && actor !== null) {
    const { type, id } = actor as Record<string, unknown>;
    body['actor'] = { type, id };
  }
  return { seq, prevHash, hash, body, line };
};

const hashOf = (event: CopiedEvent): string =>
  createHash('sha256').update(event.prevHash).update(canonicalJson(event.body)).digest('hex');

export const verifyAuditCopy = (lines: Iterable<string>): CopyVerification => {
  const bySeq = new Map<number, CopiedEvent>();
  const edits: CopyProblem[] = [];
  let duplicates = 0;
  let lineNo = 0;
  for (const text of lines) {
    lineNo += 1;
    if (text.trim() === '') continue;
    const read = readLine(text, lineNo);
    if (!('hash' in read)) {
      edits.push(read);
      continue;
    }
    const earlier = bySeq.get(read.seq);
    if (earlier === undefined) bySeq.set(read.seq, read);
    else if (earlier.hash === read.hash && canonicalJson(earlier.body) === canonicalJson(read.body))
      duplicates += 1;
    else
      edits.push({
        seq: read.seq,
        line: read.line,
        problem: `differs from the copy of seq ${read.seq} on line ${earlier.line}`,
      });
  }
  const seqs = [...bySeq.keys()].sort((a, b) => a - b);
  const gaps: { from: number; to: number }[] = [];
  let previous: CopiedEvent | undefined;
  for (const seq of seqs) {
    const event = bySeq.get(seq);
    if (event === undefined) continue;
    let computed: string | undefined;
    try {
      computed = HASH.test(event.hash) ? hashOf(event) : undefined;
    } catch {
      computed = undefined;
    }
    if (computed !== event.hash)
      edits.push({ seq, line: event.line, problem: 'its hash does not match its content (edited)' });
    if (seq === 1 && event.prevHash !== GENESIS_HASH)
      edits.push({ seq, line: event.line, problem: 'the first event does not link to the genesis hash' });
    if (previous !== undefined) {
      if (seq > previous.seq + 1) gaps.push({ from: previous.seq + 1, to: seq - 1 });
      else if (event.prevHash !== previous.hash)
        edits.push({ seq, line: event.line, problem: `prev_hash does not link to seq ${previous.seq}` });
    }
    previous = event;
  }
  return {
    ok: gaps.length === 0 && edits.length === 0,
    events: bySeq.size,
    firstSeq: seqs[0] ?? null,
    lastSeq: seqs.at(-1) ?? null,
    duplicates,
    gaps,
    edits: edits.sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0)),
  };
};
