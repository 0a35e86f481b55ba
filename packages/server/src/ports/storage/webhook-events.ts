/** Replay protection for inbound webhooks: remembers which event ids each source has sent. */
export interface WebhookEventRepository {
  /** True the first time `(source, eventId)` is seen, false on a replay (race-safe). */
  recordOnce(source: string, eventId: string, at: Date): Promise<boolean>;
  /** Forgets events received before `at`; returns how many. */
  pruneBefore(at: Date): Promise<number>;
}
