/*
 * What the user is told after a security incident, on a channel other than the one that may be
 * compromised. Deliberately free of links, tokens, codes and internal notes: a notice an attacker
 * reads teaches them nothing, and a phishing copy of it has nothing to imitate but "sign in again".
 */

export interface IncidentNoticeInput {
  readonly username: string;
  readonly at: Date;
  /** A reference the user can quote to the security team. */
  readonly incidentId: string;
}

export interface EmailNotice {
  readonly subject: string;
  readonly text: string;
}

const when = (at: Date): string => `${at.toISOString().slice(0, 16).replace('T', ' ')} UTC`;

export const incidentEmail = (input: IncidentNoticeInput): EmailNotice => ({
  subject: 'You were signed out everywhere after suspicious activity',
  text: [
    `Hello ${input.username},`,
    '',
    `We noticed suspicious activity on your account and signed you out everywhere at ${when(input.at)}.`,
    'Every session and token you had was revoked, on every device and in every application.',
    '',
    'What to do now:',
    '- Sign in again. You will have to confirm with a one-time code from your authenticator app (MFA).',
    '- If you have not set up an authenticator app yet, contact your IT or security team first.',
    '- If you did not expect this, tell your security team.',
    '',
    'Nobody will ever ask you for your password or a one-time code, by email, phone or chat.',
    '',
    `Reference: ${input.incidentId}`,
  ].join('\n'),
});

export const incidentSms = (input: IncidentNoticeInput): string =>
  `Suspicious activity: you were signed out everywhere at ${when(input.at)}. Sign in again with your one-time code (MFA). Never share codes. Ref ${input.incidentId}`;
