/**
 * Where each Cutoff audit action lands in OCSF (schema 1.3.0, https://schema.ocsf.io): class and
 * activity. The table is the contract documented in docs/destinations-siem.md; the OCSF unit
 * test checks that every action the server emits has a row, so none falls through unnoticed.
 */
import type { AuditAction } from '../audit-actions.js';

export const OCSF_SCHEMA_VERSION = '1.3.0';

export interface OcsfClass {
  readonly uid: number;
  readonly name: string;
  readonly categoryUid: number;
  readonly categoryName: string;
}

export const OCSF_CLASSES = {
  base: { uid: 0, name: 'Base Event', categoryUid: 0, categoryName: 'Uncategorized' },
  incidentFinding: { uid: 2005, name: 'Incident Finding', categoryUid: 2, categoryName: 'Findings' },
  accountChange: {
    uid: 3001,
    name: 'Account Change',
    categoryUid: 3,
    categoryName: 'Identity & Access Management',
  },
  authentication: {
    uid: 3002,
    name: 'Authentication',
    categoryUid: 3,
    categoryName: 'Identity & Access Management',
  },
  entityManagement: {
    uid: 3004,
    name: 'Entity Management',
    categoryUid: 3,
    categoryName: 'Identity & Access Management',
  },
  groupManagement: {
    uid: 3006,
    name: 'Group Management',
    categoryUid: 3,
    categoryName: 'Identity & Access Management',
  },
  apiActivity: { uid: 6003, name: 'API Activity', categoryUid: 6, categoryName: 'Application Activity' },
} as const satisfies Readonly<Record<string, OcsfClass>>;

export type OcsfClassKey = keyof typeof OCSF_CLASSES;
export type OcsfStatus = 'success' | 'failure';

export interface OcsfActivity {
  readonly class: OcsfClassKey;
  readonly activityId: number;
  readonly activityName: string;
  /** Known for authentication outcomes; absent elsewhere (the action itself succeeded). */
  readonly status?: OcsfStatus;
}

const OTHER = 99;
const activity = (
  cls: OcsfClassKey,
  activityId: number,
  activityName: string,
  status?: OcsfStatus,
): OcsfActivity =>
  status === undefined
    ? { class: cls, activityId, activityName }
    : { class: cls, activityId, activityName, status };

/*
 * Every AuditAction has a row (`satisfies` makes a missing one a compile error), so a new action
 * never falls through to the fallback unnoticed.
 */

/**
 * Revocations: a session or every session of a user is a terminated logon session, which is
 * what Authentication/Logoff means, so a SIEM's "logoffs of user X" search finds them. Account
 * Change was the alternative and is wrong for them: the account itself does not change. A token,
 * and the kinds that reach many users at once (group, role, client, all), are Authentication/
 * Other with a precise activity_name.
 */
export const OCSF_ACTIVITIES: Readonly<Record<string, OcsfActivity>> = Object.freeze({
  'login.succeeded': activity('authentication', 1, 'Logon', 'success'),
  'login.failed': activity('authentication', 1, 'Logon', 'failure'),
  'login.mfa_failed': activity('authentication', 1, 'Logon', 'failure'),
  'session.created': activity('authentication', 1, 'Logon', 'success'),
  'session.revoked': activity('authentication', 2, 'Logoff', 'success'),
  'user.revoked': activity('authentication', 2, 'Logoff', 'success'),
  'token.revoked': activity('authentication', OTHER, 'Token Revocation', 'success'),
  'group.revoked': activity('authentication', OTHER, 'Bulk Logoff', 'success'),
  'role.revoked': activity('authentication', OTHER, 'Bulk Logoff', 'success'),
  'client.revoked': activity('authentication', OTHER, 'Bulk Logoff', 'success'),
  'all.revoked': activity('authentication', OTHER, 'Bulk Logoff', 'success'),
  'refresh_token.reused': activity('authentication', OTHER, 'Refresh Token Reuse', 'failure'),
  'authorization_code.reused': activity('authentication', OTHER, 'Authorization Code Reuse', 'failure'),
  'user.created': activity('accountChange', 1, 'Create'),
  // Refined by `details` in ocsf.ts: Enable, Disable or Password Change when that is what changed.
  'user.updated': activity('accountChange', OTHER, 'Update'),
  'user.deleted': activity('accountChange', 6, 'Delete'),
  'totp.enrolment_started': activity('accountChange', OTHER, 'MFA Enrolment Started'),
  'totp.enrolled': activity('accountChange', 10, 'MFA Factor Enable', 'success'),
  'totp.confirmation_failed': activity('accountChange', 10, 'MFA Factor Enable', 'failure'),
  'group.created': activity('groupManagement', 6, 'Create'),
  'group.updated': activity('groupManagement', OTHER, 'Update'),
  'group.deleted': activity('groupManagement', 5, 'Delete'),
  'group.ended': activity('groupManagement', OTHER, 'End'),
  'api_key.created': activity('entityManagement', 1, 'Create'),
  'api_key.revoked': activity('entityManagement', 4, 'Delete'),
  'client.created': activity('entityManagement', 1, 'Create'),
  'canary_probe.created': activity('entityManagement', 1, 'Create'),
  'canary_probe.updated': activity('entityManagement', 3, 'Update'),
  'canary_probe.deleted': activity('entityManagement', 4, 'Delete'),
  'key.rotated': activity('entityManagement', 3, 'Update'),
  'secrets.resealed': activity('entityManagement', 3, 'Update'),
  'incident.recorded': activity('incidentFinding', 1, 'Create'),
  'webhook.ignored': activity('apiActivity', OTHER, 'Ignored', 'failure'),
  // Cutoff's own delivery bookkeeping: no OCSF class describes it, so the documented fallback.
  'notification.delivered': activity('base', OTHER, 'Notification Delivered', 'success'),
  'notification.failed': activity('base', OTHER, 'Notification Failed', 'failure'),
  'outbox.retried': activity('base', OTHER, 'Outbox Retried'),
  // Audit-stream destinations are admin configuration objects, like API keys and probes.
  'destination.configured': activity('entityManagement', 3, 'Update'),
  'destination.removed': activity('entityManagement', 4, 'Delete'),
  'destination.replayed': activity('entityManagement', OTHER, 'Replay'),
  'destination.dead_letter_retried': activity('entityManagement', OTHER, 'Dead Letter Retry'),
  // Consent is an authorization decision about the user's account and a client.
  'consent.granted': activity('accountChange', OTHER, 'Consent Granted', 'success'),
  'consent.denied': activity('accountChange', OTHER, 'Consent Denied', 'failure'),
  // Signals in: a Global Token Revocation logs the user off everywhere; SETs are API activity.
  'global_token_revocation.requested': activity('authentication', 2, 'Logoff', 'success'),
  'ssf.event_received': activity('apiActivity', OTHER, 'SET Received', 'success'),
  'ssf.event_ignored': activity('apiActivity', OTHER, 'Ignored'),
  'ssf_transmitter.configured': activity('entityManagement', 3, 'Update'),
  'ssf_transmitter.removed': activity('entityManagement', 4, 'Delete'),
} satisfies Record<AuditAction, OcsfActivity>);

/** An action with no row (one added after this table): Base Event, activity Other. */
export const OCSF_FALLBACK: OcsfActivity = activity('base', OTHER, 'Other');
