import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { REVOCATION_KINDS } from '@cutoff/guard/rule';
import { computeAuditHash, exportedAuditEvent } from '../../src/domain/audit-chain.js';
import { OCSF_ACTIVITIES, OCSF_CLASSES, OCSF_FALLBACK } from '../../src/domain/destinations/ocsf-classes.js';
import { fromOcsf, ocsfActivityOf, toOcsf } from '../../src/domain/destinations/ocsf.js';
import type { AuditEventFields, AuditEventRecord } from '../../src/domain/records.js';
import { revocationAction } from '../../src/domain/revocation-plan.js';

const SRC = fileURLToPath(new URL('../../src', import.meta.url));

const sourceFiles = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? sourceFiles(join(dir, entry.name))
      : entry.name.endsWith('.ts')
        ? [join(dir, entry.name)]
        : [],
  );

/**
 * Every audit action the server can emit: the `noun.verbed` literals in its source (the
 * `action: '…'` of each use-case, the outbox worker's `audit('…')`, the canary's ternary) and one
 * `<kind>.revoked` per revocation kind (built by `revocationAction`).
 */
const emittedActions = (): string[] => {
  const literals = sourceFiles(SRC).flatMap((file) =>
    [...readFileSync(file, 'utf8').matchAll(/'([a-z][a-z_]*\.[a-z_]*(?:ed|_started))'/g)].map(
      (match) => match[1]!,
    ),
  );
  return [...new Set([...literals, ...REVOCATION_KINDS.map(revocationAction)])].sort();
};

const record = (
  overrides: Partial<AuditEventFields & { readonly action: string }> & { readonly seq?: number } = {},
): AuditEventRecord => {
  const seq = overrides.seq ?? 7;
  const body: AuditEventFields & { action: string; seq: number } = {
    seq,
    ts: new Date('2026-12-01T10:11:12.345Z'),
    action: 'user.revoked',
    actor: { type: 'admin', id: 'admin' },
    target: { type: 'user', id: 'usr_1' },
    reason: 'offboarding',
    counts: { sessions: 3, refresh_tokens: 2 },
    request: { ip: '203.0.113.9', user_agent: 'curl/8' },
    details: { revocation_seq: 12, username: 'ada' },
    ...overrides,
  };
  const prevHash = 'a'.repeat(64);
  return { ...body, prevHash, hash: computeAuditHash(prevHash, body) };
};

describe('OCSF mapping', () => {
  it('has a row for every action the server emits, so none falls through to the fallback unnoticed', () => {
    const actions = emittedActions();
    // Guards the scan itself: it found the actions of login, revocation, users, groups and the outbox.
    expect(actions.length).toBeGreaterThanOrEqual(36);
    expect(actions).toEqual(expect.arrayContaining(['login.succeeded', 'session.revoked', 'outbox.retried']));
    const missing = actions.filter((action) => OCSF_ACTIVITIES[action] === undefined);
    expect(missing).toEqual([]);
  });

  it('puts exactly the delivery bookkeeping actions in the documented fallback class, Base Event', () => {
    const inBase = Object.entries(OCSF_ACTIVITIES)
      .filter(([, mapped]) => mapped.class === 'base')
      .map(([action]) => action)
      .sort();
    expect(inBase).toEqual(['notification.delivered', 'notification.failed', 'outbox.retried']);
  });

  it('maps an action without a row to Base Event / Other and keeps the action', () => {
    const ocsf = toOcsf(exportedAuditEvent(record({ action: 'future.thing_happened' })));
    expect(ocsfActivityOf(exportedAuditEvent(record({ action: 'future.thing_happened' })))).toEqual(
      OCSF_FALLBACK,
    );
    expect(ocsf).toMatchObject({ class_uid: 0, category_uid: 0, activity_id: 99, type_uid: 99 });
    expect(ocsf.unmapped).toMatchObject({ action: 'future.thing_happened' });
  });

  it('maps a user revocation to Authentication / Logoff with the user, actor, time and chain fields', () => {
    const event = exportedAuditEvent(record());
    const ocsf = toOcsf(event, 'siem:7');
    expect(ocsf).toMatchObject({
      class_uid: 3002,
      category_uid: 3,
      activity_id: 2,
      activity_name: 'Logoff',
      type_uid: 300202,
      time: Date.parse('2026-12-01T10:11:12.345Z'),
      severity_id: 2,
      status_id: 1,
      actor: { user: { uid: 'admin', type: 'admin', type_id: 2 } },
      user: { uid: 'usr_1', name: 'ada' },
      src_endpoint: { ip: '203.0.113.9' },
      metadata: {
        version: '1.3.0',
        product: { name: 'Cutoff', vendor_name: 'Cutoff' },
        uid: 'siem:7',
        sequence: 7,
      },
      unmapped: {
        prev_hash: event.prev_hash,
        hash: event.hash,
        reason: 'offboarding',
        counts: { sessions: 3, refresh_tokens: 2 },
        details: { revocation_seq: 12, username: 'ada' },
      },
    });
  });

  it('computes type_uid as class_uid * 100 + activity_id for every row', () => {
    for (const action of Object.keys(OCSF_ACTIVITIES)) {
      const ocsf = toOcsf(exportedAuditEvent(record({ action })));
      const mapped = OCSF_ACTIVITIES[action]!;
      expect(ocsf.class_uid).toBe(OCSF_CLASSES[mapped.class].uid);
      expect(ocsf.category_uid).toBe(OCSF_CLASSES[mapped.class].categoryUid);
      expect(ocsf.type_uid).toBe((ocsf.class_uid as number) * 100 + (ocsf.activity_id as number));
    }
  });

  it('refines user.updated into Disable, Enable or Password Change from what changed', () => {
    const updated = (details: Record<string, unknown>) =>
      toOcsf(exportedAuditEvent(record({ action: 'user.updated', details }))).activity_name;
    expect(updated({ changed: ['active'], active: false })).toBe('Disable');
    expect(updated({ changed: ['active'], active: true })).toBe('Enable');
    expect(updated({ changed: ['password'] })).toBe('Password Change');
    expect(updated({ changed: ['roles'] })).toBe('Update');
  });

  it('marks failures: a failed login is Authentication / Logon, Failure, severity Medium', () => {
    const ocsf = toOcsf(exportedAuditEvent(record({ action: 'login.failed', reason: null })));
    expect(ocsf).toMatchObject({ class_uid: 3002, activity_id: 1, status_id: 2, severity_id: 3 });
  });

  it("gives back the exported event from the SIEM's copy, and its hash still recomputes", () => {
    for (const rec of [
      record(),
      record({ seq: 1, target: null, request: null, details: null, counts: null }),
    ]) {
      const event = exportedAuditEvent(rec);
      const copy = JSON.parse(JSON.stringify(toOcsf(event))) as unknown;
      const back = fromOcsf(copy);
      expect(back).toEqual(event);
      expect(computeAuditHash(back!.prev_hash, { ...rec, ts: new Date(back!.ts) })).toBe(back!.hash);
    }
    expect(fromOcsf({ class_uid: 3002 })).toBeNull();
  });
});
