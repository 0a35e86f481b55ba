import type { ExportedAuditEvent } from '../audit-chain.js';
import { auditSeverity, type AuditSeverity } from './audit-severity.js';

/*
 * RFC 5424 syslog messages for audit events, pure. Octet-counted framing (RFC 6587 section 3.4.1)
 * is here too so the wire format is one unit: `<length> <message>`, the length in bytes.
 */

/**
 * The SD-ID of Cutoff's structured data element. `32473` is the Private Enterprise Number IANA
 * reserves for documentation and examples (RFC 5612), the RFC 5424 way to name a private SD-ID
 * (section 7.2.2) until Cutoff registers its own.
 */
export const SYSLOG_SD_ID = 'cutoff@32473';

/** What a message is made of (the delivery port's `OutboundEvent` has this shape). */
export interface SyslogItem {
  readonly id: string;
  readonly seq: number;
  readonly event: ExportedAuditEvent;
  readonly payload: Readonly<Record<string, unknown>>;
}

/** RFC 5424 section 6.2.1 severities. */
const SEVERITY_CODES: Readonly<Record<AuditSeverity, number>> = {
  warning: 4,
  notice: 5,
  informational: 6,
};

/** The UTF-8 byte order mark RFC 5424 section 6.4 puts before a UTF-8 MSG. */
const BOM = '\ufeff';

export interface SyslogHeader {
  /** 0..23 */
  readonly facility: number;
  readonly hostname: string;
  readonly appName: string;
  readonly procId: string;
}

/** PRINTUSASCII only, at most `max` characters, `-` (NILVALUE) when nothing is left. */
const headerField = (value: string, max: number): string => {
  const cleaned = value.replace(/[^\x21-\x7e]/g, '_').slice(0, max);
  return cleaned === '' ? '-' : cleaned;
};

/** Section 6.3.3: inside a PARAM-VALUE, `"`, `\` and `]` are escaped with a backslash. */
export const escapeParamValue = (value: string): string => value.replace(/["\\\]]/g, (char) => `\\${char}`);

export const syslogPri = (facility: number, action: string): number =>
  facility * 8 + SEVERITY_CODES[auditSeverity(action)];

/**
 * `<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID [cutoff@32473 id=".." seq=".." hash=".."
 * prev_hash=".."] BOM{payload JSON}`: MSGID is the action, TIMESTAMP the event's own time.
 */
export const formatSyslogMessage = (item: SyslogItem, header: SyslogHeader): string => {
  const { event } = item;
  const params = [
    ['id', item.id],
    ['seq', String(item.seq)],
    ['hash', event.hash],
    ['prev_hash', event.prev_hash],
  ]
    .map(([name, value]) => ` ${name}="${escapeParamValue(value!)}"`)
    .join('');
  return [
    `<${syslogPri(header.facility, event.action)}>1`,
    event.ts,
    headerField(header.hostname, 255),
    headerField(header.appName, 48),
    headerField(header.procId, 128),
    headerField(event.action, 32),
    `[${SYSLOG_SD_ID}${params}]`,
    `${BOM}${JSON.stringify(item.payload)}`,
  ].join(' ');
};

/** RFC 6587 section 3.4.1: `MSG-LEN SP SYSLOG-MSG`, MSG-LEN counting octets. */
export const octetCountedFrame = (message: string): Buffer => {
  const body = Buffer.from(message, 'utf8');
  return Buffer.concat([Buffer.from(`${body.length} `, 'ascii'), body]);
};
