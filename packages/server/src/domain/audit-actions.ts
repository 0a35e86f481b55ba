/**
 * Every audit action Cutoff emits, `noun.past_verb` (DESIGN.md). The list is closed so an action
 * nobody documented cannot be appended: `NewAuditEvent.action` takes only these. Adding one is a
 * line here plus a row in `docs/audit.md` (`test/unit/audit-actions.test.ts` checks both agree).
 */
export const AUDIT_ACTIONS = [
  ['api_key.created', 'an admin created an API key'],
  ['api_key.revoked', 'an admin revoked an API key'],
  ['authorization_code.reused', 'an OpenID authorization code was redeemed a second time'],
  ['canary_probe.created', 'an admin added a canary probe'],
  ['canary_probe.updated', 'an admin replaced a canary probe'],
  ['canary_probe.deleted', 'an admin removed a canary probe'],
  ['client.created', 'an admin registered an OAuth/OpenID client'],
  ['consent.granted', 'a user allowed a third-party client the scopes it asked (remembered)'],
  ['consent.denied', 'a user refused a third-party client on the consent page'],
  ['destination.configured', 'an admin created or replaced an audit-stream destination'],
  ['destination.removed', 'an admin removed an audit-stream destination'],
  ['destination.replayed', 'an admin rewound a destination to re-deliver from a seq'],
  ['destination.dead_letter_retried', 'an admin requeued a dead-lettered event of a destination'],
  [
    'global_token_revocation.requested',
    'a Global Token Revocation call (Okta Universal Logout) cut a user off',
  ],
  ['group.created', 'a group record was created (admin or SCIM)'],
  ['group.updated', 'a group record or its SCIM membership changed'],
  ['group.deleted', 'SCIM deleted a group'],
  ['group.ended', 'a contractor group was ended'],
  ['incident.recorded', 'the compromised-account response ran for a user'],
  ['key.rotated', 'the token signing key was rotated'],
  ['login.failed', 'a password login was refused'],
  ['login.mfa_failed', 'a login passed the password but failed the second factor'],
  ['login.succeeded', 'a user logged in'],
  ['notification.delivered', 'the outbox delivered a notification'],
  ['notification.failed', 'the outbox gave up on a notification'],
  ['outbox.retried', 'an admin requeued a dead outbox message'],
  ['refresh_token.reused', 'a rotated refresh token was presented again'],
  ['secrets.resealed', 'secrets at rest were resealed under the current key'],
  ['session.created', 'a session was created by a login'],
  ['ssf.event_received', 'a verified Shared Signals SET was accepted (its jti, never the token)'],
  ['ssf.event_ignored', 'a verified SET carried an event or subject Cutoff does not act on'],
  ['ssf_transmitter.configured', 'an admin trusted or re-configured a Shared Signals transmitter'],
  ['ssf_transmitter.removed', 'an admin stopped trusting a Shared Signals transmitter'],
  ['totp.enrolment_started', 'a TOTP enrolment was started'],
  ['totp.confirmation_failed', 'a TOTP enrolment confirmation carried a wrong code'],
  ['totp.enrolled', 'a TOTP enrolment was confirmed'],
  ['user.created', 'a user was created (admin, SCIM or the canary)'],
  ['user.updated', 'a user changed (roles, groups, active, profile)'],
  ['user.deleted', 'SCIM deleted a user'],
  ['webhook.ignored', 'a verified webhook event was recorded without a change'],
  ['session.revoked', 'a revocation of one session committed'],
  ['token.revoked', 'a revocation of one access token (jti) committed'],
  ['user.revoked', 'a revocation of every session of a user committed'],
  ['group.revoked', 'a revocation of every session carrying a group committed'],
  ['role.revoked', 'a revocation of every session carrying a role committed'],
  ['client.revoked', 'a revocation of every session of a client committed'],
  ['all.revoked', 'a revocation of every session committed'],
] as const satisfies readonly (readonly [`${string}.${string}`, string])[];

export type AuditAction = (typeof AUDIT_ACTIONS)[number][0];

export const AUDIT_ACTION_NAMES: readonly AuditAction[] = AUDIT_ACTIONS.map(([action]) => action);
