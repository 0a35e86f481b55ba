import { exportedAuditEvent, type ExportedAuditEvent } from '../../domain/audit-chain.js';
import { toOcsf } from '../../domain/destinations/ocsf.js';
import type { AuditEventRecord } from '../../domain/records.js';
import type { EventFormat } from '../../ports/destination-sender.js';

/** Shapes one audit event for a destination; the result must keep the chain links. */
/** `id` is the event's stable outbound id, which OCSF carries as `metadata.uid` for dedupe. */
export type EventFormatter = (event: AuditEventRecord, id: string) => Readonly<Record<string, unknown>>;

/**
 * The formats a destination may be configured with: Cutoff's own export shape, or OCSF
 * (`domain/destinations/ocsf.ts`, the class table in docs/destinations-siem.md). A format not
 * listed here is refused at configuration rather than silently sent as something else.
 */
const FORMATS: ReadonlyMap<EventFormat, EventFormatter> = new Map<EventFormat, EventFormatter>([
  ['cutoff', (event): ExportedAuditEvent => exportedAuditEvent(event)],
  ['ocsf', (event, id) => toOcsf(exportedAuditEvent(event), id)],
]);

export const eventFormatter = (format: EventFormat): EventFormatter | undefined => FORMATS.get(format);

export const availableFormats = (): readonly EventFormat[] => [...FORMATS.keys()];
