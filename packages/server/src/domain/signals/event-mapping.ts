import type { RevocationReason } from '../revocation-plan.js';

export const CAEP_SESSION_REVOKED = 'https://schemas.openid.net/secevent/caep/event-type/session-revoked';
export const CAEP_CREDENTIAL_CHANGE = 'https://schemas.openid.net/secevent/caep/event-type/credential-change';
export const RISC_ACCOUNT_DISABLED = 'https://schemas.openid.net/secevent/risc/event-type/account-disabled';
export const RISC_ACCOUNT_PURGED = 'https://schemas.openid.net/secevent/risc/event-type/account-purged';

export interface SignalMapping {
  /**
   * `subject`: the session when the subject names a Cutoff session, otherwise every session of
   * the user; `user`: every session and refresh token of the user, whatever the subject names.
   */
  readonly revokes: 'subject' | 'user';
  readonly reason: RevocationReason;
}

/** The one table of what an inbound event does (docs/signals.md shows it); others are ignored. */
export const SIGNAL_MAPPINGS: Readonly<Record<string, SignalMapping>> = {
  [CAEP_SESSION_REVOKED]: { revokes: 'subject', reason: 'security_incident' },
  [CAEP_CREDENTIAL_CHANGE]: { revokes: 'user', reason: 'credential_change' },
  [RISC_ACCOUNT_DISABLED]: { revokes: 'user', reason: 'offboarding' },
  [RISC_ACCOUNT_PURGED]: { revokes: 'user', reason: 'offboarding' },
};

export const signalMappingOf = (eventType: string): SignalMapping | undefined =>
  Object.hasOwn(SIGNAL_MAPPINGS, eventType) ? SIGNAL_MAPPINGS[eventType] : undefined;
