import type { ExportedAuditEvent } from '../domain/audit-chain.js';

/**
 * One event on its way to a destination (a SIEM, a webhook relay, a file). `id` is stable across
 * retries, replays and replicas (`<destination>:<seq>`), so a receiver that dedupes by it sees each
 * event once although the engine delivers at least once.
 */
export interface OutboundEvent {
  readonly id: string;
  readonly seq: number;
  readonly event: ExportedAuditEvent;
}

/**
 * A destination's wire protocol (Splunk HEC, syslog, Standard Webhooks HTTP, JSON Lines file).
 * The delivery engine owns order, retries, leases and status; a sender only speaks the protocol.
 */
export interface DestinationSender {
  /**
   * Sends the batch in seq order. Resolves only once the receiver has acknowledged every event
   * (a 2xx, a flushed TLS socket, an fsynced file); throws otherwise, with a message that names
   * the cause but never a secret (no token, no signing key, no URL credentials).
   */
  send(batch: readonly OutboundEvent[]): Promise<void>;
  /** Releases sockets and files; the engine calls it when the destination is removed or on stop. */
  close(): Promise<void>;
}
