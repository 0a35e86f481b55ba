import { ENGINE_FIELDS, FieldReader, isLoopbackHost, type DestinationConfigResult } from './config-fields.js';

/** RFC 5424 section 6.2.1 facility codes, by the names rsyslog and syslog-ng use. */
export const SYSLOG_FACILITIES: Readonly<Record<string, number>> = Object.freeze({
  kern: 0,
  user: 1,
  mail: 2,
  daemon: 3,
  auth: 4,
  syslog: 5,
  lpr: 6,
  news: 7,
  uucp: 8,
  cron: 9,
  authpriv: 10,
  ftp: 11,
  ntp: 12,
  audit: 13,
  alert: 14,
  clock: 15,
  local0: 16,
  local1: 17,
  local2: 18,
  local3: 19,
  local4: 20,
  local5: 21,
  local6: 22,
  local7: 23,
});

export const SYSLOG_TRANSPORTS = ['tls', 'tcp'] as const;
export type SyslogTransport = (typeof SYSLOG_TRANSPORTS)[number];

/** `authpriv`: audit events name users and addresses, which belong with the private auth log. */
export const DEFAULT_SYSLOG_FACILITY = 'authpriv';
export const DEFAULT_SYSLOG_APP_NAME = 'cutoff';
/** RFC 5425 section 4.1: the IANA port for syslog over TLS. */
export const DEFAULT_SYSLOG_TLS_PORT = 6514;
export const DEFAULT_SYSLOG_TIMEOUT_MS = 10_000;

/** A `syslog` destination: RFC 5424 messages, octet-counted (RFC 6587), over TLS (RFC 5425). */
export interface SyslogConfig {
  readonly type: 'syslog';
  readonly host: string;
  readonly port: number;
  /** `tcp` (no TLS) only to a loopback host, e.g. a local relay; the events cross no network. */
  readonly transport: SyslogTransport;
  /** PEM CA bundle the server certificate must chain to; unset: Node's public roots. */
  readonly ca: string | null;
  /** The name the server certificate must carry; unset: `host`. */
  readonly serverName: string | null;
  readonly appName: string;
  /** The HOSTNAME field; unset: this machine's hostname, chosen by the sender. */
  readonly hostname: string | null;
  /** 0..23 (RFC 5424 section 6.2.1). */
  readonly facility: number;
  /** Connecting, and each batch's write and flush. */
  readonly timeoutMs: number;
}

/** None: a CA bundle is public. Listed so the engine treats every type alike. */
export const SYSLOG_SECRET_FIELDS = [] as const;

const FIELDS = [
  'host',
  'port',
  'transport',
  'ca',
  'server_name',
  'app_name',
  'hostname',
  'facility',
  'timeout_ms',
];
/** RFC 5424 section 6: PRINTUSASCII (33..126), APP-NAME 1..48, HOSTNAME 1..255. */
const PRINTABLE = /^[\x21-\x7e]+$/;

const printable = (reader: FieldReader, field: string, value: string | undefined, max: number) => {
  if (value === undefined) return undefined;
  if (!PRINTABLE.test(value) || value.length > max) {
    reader.fail(field, `must be 1 to ${max} printable ASCII characters without spaces`);
    return undefined;
  }
  return value;
};

const facilityOf = (reader: FieldReader): number | undefined => {
  const raw = reader.raw('facility');
  if (raw === undefined || raw === null) return SYSLOG_FACILITIES[DEFAULT_SYSLOG_FACILITY];
  if (typeof raw === 'number' && Number.isInteger(raw) && raw >= 0 && raw <= 23) return raw;
  if (typeof raw === 'string' && Object.hasOwn(SYSLOG_FACILITIES, raw)) return SYSLOG_FACILITIES[raw];
  reader.fail('facility', 'must be a facility name (auth, authpriv, local0…local7, …) or 0 to 23');
  return undefined;
};

/**
 * `{host, port?, transport?, ca?, server_name?, app_name?, hostname?, facility?, timeout_ms?}`;
 * `transport` defaults to `tls` and `port` to 6514.
 */
export const parseSyslogConfig = (
  json: unknown,
  engineFields: readonly string[] = ENGINE_FIELDS,
): DestinationConfigResult<SyslogConfig> => {
  const reader = new FieldReader(json, FIELDS, engineFields);
  const host = reader.string('host', { required: true, max: 253 });
  const port = reader.integer('port', 1, 65_535);
  const transportRaw = reader.raw('transport');
  let transport: SyslogTransport | undefined = 'tls';
  if (transportRaw !== undefined && transportRaw !== null) {
    transport = SYSLOG_TRANSPORTS.find((candidate) => candidate === transportRaw);
    if (transport === undefined) reader.fail('transport', 'must be one of tls, tcp');
  }
  if (transport === 'tcp' && host !== undefined && !isLoopbackHost(host))
    reader.fail('transport', 'tcp (no TLS) is allowed to a loopback host only (use tls)');
  const ca = reader.pem('ca');
  if (transport === 'tcp' && ca !== undefined) reader.fail('ca', 'applies to transport tls only');
  const serverName = reader.string('server_name', { max: 253 });
  const appName = printable(reader, 'app_name', reader.string('app_name', { max: 48 }), 48);
  const hostname = printable(reader, 'hostname', reader.string('hostname', { max: 255 }), 255);
  const facility = facilityOf(reader);
  const timeoutMs = reader.integer('timeout_ms', 100, 120_000);
  return reader.result(() => ({
    type: 'syslog' as const,
    host: host!,
    port: port ?? DEFAULT_SYSLOG_TLS_PORT,
    transport: transport!,
    ca: ca ?? null,
    serverName: serverName ?? null,
    appName: appName ?? DEFAULT_SYSLOG_APP_NAME,
    hostname: hostname ?? null,
    facility: facility!,
    timeoutMs: timeoutMs ?? DEFAULT_SYSLOG_TIMEOUT_MS,
  }));
};
