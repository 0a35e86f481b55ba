import { computeAuditHash, exportedAuditEvent, GENESIS_HASH } from '../../src/domain/audit-chain.js';
import type { AuditEventFields, AuditEventRecord } from '../../src/domain/records.js';
import type { OutboundEvent } from '../../src/ports/destination-sender.js';

const ACTIONS = ['login.succeeded', 'user.revoked', 'login.failed', 'session.revoked', 'user.updated'];

/**
 * `count` audit events chained from genesis (real hashes), as the engine hands them to a sender
 * for destination `destination`, with the exported event as the payload (`format: "cutoff"`).
 * Details carry the characters the wire formats must escape (`"`, `\`, `]`, non-ASCII).
 */
export const outboundEvents = (
  count: number,
  { destination = 'siem', firstSeq = 1 } = {},
): OutboundEvent[] => {
  const events: OutboundEvent[] = [];
  let prevHash = GENESIS_HASH;
  for (let offset = 0; offset < count; offset += 1) {
    const seq = firstSeq + offset;
    const body: AuditEventFields & { action: string; seq: number } = {
      seq,
      ts: new Date(Date.UTC(2026, 11, 1, 10, 0, 0, seq)),
      action: ACTIONS[seq % ACTIONS.length]!,
      actor: { type: 'admin', id: 'admin' },
      target: { type: 'user', id: `usr_${seq}` },
      reason: seq % 2 === 0 ? 'offboarding' : null,
      counts: { sessions: seq },
      request: { ip: '203.0.113.7', user_agent: 'test "agent" \\ [x]' },
      details: { note: `quote " backslash \\ bracket ] ünïcødé ${seq}` },
    };
    const record: AuditEventRecord = { ...body, prevHash, hash: computeAuditHash(prevHash, body) };
    prevHash = record.hash;
    const event = exportedAuditEvent(record);
    events.push({
      id: `${destination}:${seq}`,
      seq,
      event,
      payload: { id: `${destination}:${seq}`, ...event },
    });
  }
  return events;
};
