import type { ExportedAuditEvent } from '../audit-chain.js';
import { auditSeverity, type AuditSeverity } from './audit-severity.js';
import {
  OCSF_ACTIVITIES,
  OCSF_CLASSES,
  OCSF_FALLBACK,
  OCSF_SCHEMA_VERSION,
  type OcsfActivity,
} from './ocsf-classes.js';

/*
 * `format: "ocsf"`: an exported audit event as an OCSF event (docs/destinations-siem.md has the
 * table). Everything OCSF has no attribute for goes in `unmapped`, with the chain links, so the
 * SIEM's copy still verifies: `fromOcsf` gives back the exported event, byte for byte in
 * canonical JSON, and its hash recomputes.
 */

const SEVERITY_IDS: Readonly<Record<AuditSeverity, { readonly id: number; readonly name: string }>> = {
  informational: { id: 1, name: 'Informational' },
  notice: { id: 2, name: 'Low' },
  warning: { id: 3, name: 'Medium' },
};

/** OCSF `user.type_id`: 1 User, 2 Admin, 3 System, 99 Other (the Cutoff type stays in `type`). */
const USER_TYPE_IDS: Readonly<Record<string, number>> = {
  user: 1,
  admin: 2,
  system: 3,
  canary: 3,
};

const asRecord = (value: unknown): Readonly<Record<string, unknown>> | null =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : null;

/** `user.updated` says what changed in `details`; the precise Account Change activity if one fits. */
const refine = (event: ExportedAuditEvent, mapped: OcsfActivity): OcsfActivity => {
  if (event.action !== 'user.updated') return mapped;
  const details = asRecord(event.details);
  if (details?.active === false) return { ...mapped, activityId: 5, activityName: 'Disable' };
  if (details?.active === true) return { ...mapped, activityId: 2, activityName: 'Enable' };
  const changed = Array.isArray(details?.changed) ? details.changed : [];
  if (changed.includes('password')) return { ...mapped, activityId: 3, activityName: 'Password Change' };
  return mapped;
};

/** The class and activity an action maps to; `OCSF_FALLBACK` for an action without a row. */
export const ocsfActivityOf = (event: ExportedAuditEvent): OcsfActivity =>
  refine(event, OCSF_ACTIVITIES[event.action] ?? OCSF_FALLBACK);

const targetObjects = (event: ExportedAuditEvent, cls: OcsfActivity['class']) => {
  const target = event.target;
  if (target === null) return {};
  const username = asRecord(event.details)?.username;
  const named = typeof username === 'string' ? { name: username } : {};
  if (target.type === 'user') return { user: { uid: target.id, ...named } };
  if (cls === 'groupManagement') return { group: { uid: target.id, name: target.id } };
  if (cls === 'entityManagement') return { entity: { uid: target.id, type: target.type } };
  // A bulk revocation reaches everyone in a group, role or client: the scope stands in for
  // the user OCSF Authentication requires, typed Other so no one mistakes it for an account.
  if (cls === 'authentication') return { user: { uid: target.id, type: target.type, type_id: 99 } };
  return {};
};

export type OcsfEvent = Readonly<Record<string, unknown>>;

/**
 * `id` is the delivery's stable id (`<destination>:<seq>`, `OutboundEvent.id`), so the SIEM can
 * dedupe on `metadata.uid`; without one, the seq.
 */
export const toOcsf = (event: ExportedAuditEvent, id: string = String(event.seq)): OcsfEvent => {
  const mapped = ocsfActivityOf(event);
  const cls = OCSF_CLASSES[mapped.class];
  const severity = SEVERITY_IDS[auditSeverity(event.action)];
  const request = event.request;
  return {
    class_uid: cls.uid,
    class_name: cls.name,
    category_uid: cls.categoryUid,
    category_name: cls.categoryName,
    activity_id: mapped.activityId,
    activity_name: mapped.activityName,
    type_uid: cls.uid * 100 + mapped.activityId,
    type_name: `${cls.name}: ${mapped.activityName}`,
    time: Date.parse(event.ts),
    severity_id: severity.id,
    severity: severity.name,
    ...(mapped.status !== undefined && {
      status_id: mapped.status === 'success' ? 1 : 2,
      status: mapped.status === 'success' ? 'Success' : 'Failure',
    }),
    message: event.action,
    actor: {
      user: {
        uid: event.actor.id,
        type: event.actor.type,
        type_id: USER_TYPE_IDS[event.actor.type] ?? 99,
      },
    },
    ...targetObjects(event, mapped.class),
    ...(typeof request?.ip === 'string' && { src_endpoint: { ip: request.ip } }),
    ...(typeof request?.user_agent === 'string' && { http_request: { user_agent: request.user_agent } }),
    metadata: {
      version: OCSF_SCHEMA_VERSION,
      product: { name: 'Cutoff', vendor_name: 'Cutoff' },
      uid: id,
      sequence: event.seq,
      original_time: event.ts,
    },
    unmapped: {
      action: event.action,
      target: event.target,
      reason: event.reason,
      counts: event.counts,
      details: event.details,
      request: event.request,
      prev_hash: event.prev_hash,
      hash: event.hash,
    },
  };
};

/**
 * The exported event back out of an OCSF event `toOcsf` made (the SIEM's copy), for
 * `audit verify --from-file`; null when it is not one.
 */
export const fromOcsf = (ocsf: unknown): ExportedAuditEvent | null => {
  const root = asRecord(ocsf);
  const metadata = asRecord(root?.metadata);
  const unmapped = asRecord(root?.unmapped);
  const actor = asRecord(asRecord(root?.actor)?.user);
  if (metadata === null || unmapped === null || actor === null) return null;
  const { sequence, original_time: ts } = metadata;
  if (typeof sequence !== 'number' || typeof ts !== 'string') return null;
  if (typeof actor.type !== 'string' || typeof actor.uid !== 'string') return null;
  if (typeof unmapped.action !== 'string') return null;
  if (typeof unmapped.prev_hash !== 'string' || typeof unmapped.hash !== 'string') return null;
  return {
    seq: sequence,
    ts,
    action: unmapped.action,
    actor: { type: actor.type, id: actor.uid },
    target: unmapped.target,
    reason: unmapped.reason,
    counts: unmapped.counts,
    request: unmapped.request,
    details: unmapped.details,
    prev_hash: unmapped.prev_hash,
    hash: unmapped.hash,
  } as ExportedAuditEvent;
};
