import { exportedAuditEvent, type ExportedAuditEvent } from '../../domain/audit-chain.js';
import type { AuditEventRecord } from '../../domain/records.js';
import type { EventFormat } from '../../ports/destination-sender.js';

/** Shapes one audit event for a destination; the result must keep the chain links. */
export type EventFormatter = (event: AuditEventRecord) => Readonly<Record<string, unknown>>;

/**
 * The formats a destination may be configured with. `ocsf` joins when its mapping lands (one
 * line here); until then configuring it is refused with a clear error rather than accepted and
 * silently sent as something else.
 */
const FORMATS: ReadonlyMap<EventFormat, EventFormatter> = new Map<EventFormat, EventFormatter>([
  ['cutoff', (event): ExportedAuditEvent => exportedAuditEvent(event)],
]);

export const eventFormatter = (format: EventFormat): EventFormatter | undefined => FORMATS.get(format);

export const availableFormats = (): readonly EventFormat[] => [...FORMATS.keys()];
