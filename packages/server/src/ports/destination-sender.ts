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
  /**
   * What the destination receives for this event, already in its configured `format`: the
   * exported event itself for `cutoff` (the default), an OCSF object for `ocsf`. Either way it
   * carries `prev_hash`/`hash`, so the SIEM's copy can be checked for gaps and edits.
   */
  readonly payload: Readonly<Record<string, unknown>>;
}

/** How a destination's events are shaped (`format` in its configuration). */
export type EventFormat = 'cutoff' | 'ocsf';

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
