import { createTransport } from 'nodemailer';
import type { NotificationSender } from '../../ports/notification-sender.js';
import { redactedError } from './redact.js';

export interface SmtpEmailSenderOptions {
  /** `smtp://user:pass@host:587` (STARTTLS when offered) or `smtps://…:465`; nodemailer options as query. */
  readonly url: string;
  readonly from: string;
  readonly connectionTimeoutMs?: number;
}

const text = (payload: Readonly<Record<string, unknown>>, key: string): string => {
  const value = payload[key];
  if (typeof value !== 'string' || value === '') throw new Error(`the email message has no ${key}`);
  return value;
};

/**
 * Email over SMTP with nodemailer, one connection per message (notifications are rare). Errors
 * are re-thrown without the URL or its credentials, so the outbox never stores them.
 */
export const createSmtpEmailSender = (options: SmtpEmailSenderOptions): NotificationSender => {
  const timeout = options.connectionTimeoutMs ?? 10_000;
  const transport = createTransport({
    url: options.url,
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: 3 * timeout,
    logger: false,
    debug: false,
  });
  return {
    async send(payload) {
      const message = {
        to: text(payload, 'to'),
        subject: text(payload, 'subject'),
        text: text(payload, 'text'),
      };
      try {
        await transport.sendMail({
          from: options.from,
          ...message,
          disableFileAccess: true,
          disableUrlAccess: true,
        });
      } catch (error) {
        throw redactedError(error, options.url, 'SMTP delivery failed');
      }
    },
    close() {
      transport.close();
    },
  };
};
