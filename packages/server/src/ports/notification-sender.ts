/** Delivers one outbox message on one channel; throws when it could not (the worker retries). */
export interface NotificationSender {
  send(payload: Readonly<Record<string, unknown>>): Promise<void>;
  close?(): void;
}
