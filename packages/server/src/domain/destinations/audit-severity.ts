/**
 * How much an audit event deserves a SIEM analyst's attention, by its action. One scale for every
 * destination: syslog turns it into the PRI severity, OCSF into `severity_id`.
 *
 * - `warning`: something failed or looks like an attack (a failed login or MFA check, a reused
 *   refresh token or authorization code, a recorded incident, a failed notification);
 * - `notice`: access was cut (every `*.revoked`, a group ended, a user deleted) — normal but
 *   significant, the events the seed asks to see in the SIEM;
 * - `informational`: everything else (creations, updates, logins).
 */
export type AuditSeverity = 'informational' | 'notice' | 'warning';

const WARNING_ACTIONS = new Set(['incident.recorded', 'webhook.ignored']);
const NOTICE_ACTIONS = new Set(['group.ended', 'user.deleted', 'api_key.revoked']);

export const auditSeverity = (action: string): AuditSeverity => {
  if (WARNING_ACTIONS.has(action) || /(?:^|[._])(?:failed|reused)$/.test(action)) return 'warning';
  if (NOTICE_ACTIONS.has(action) || action.endsWith('.revoked')) return 'notice';
  return 'informational';
};
