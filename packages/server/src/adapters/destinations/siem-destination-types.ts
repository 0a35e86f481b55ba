import type { DestinationConfigResult as FieldResult } from '../../domain/destinations/config-fields.js';
import {
  parseSplunkHecConfig,
  SPLUNK_HEC_SECRET_FIELDS,
  type SplunkHecConfig,
} from '../../domain/destinations/splunk-hec-config.js';
import { parseSyslogConfig, type SyslogConfig } from '../../domain/destinations/syslog-config.js';
import type { DestinationConfigResult, DestinationType } from '../../ports/destination-types.js';
import { SplunkHecSender } from './splunk-hec-sender.js';
import { SyslogSender } from './syslog-sender.js';

/** One batch per request (HEC) or per write and flush (syslog); both take hundreds cheaply. */
const SIEM_BATCH_SIZE = 100;

/**
 * The stored form keeps the admin's own snake_case fields (what `GET` shows), minus the
 * secrets, which go sealed; the sender re-parses both, so a stored destination and a freshly
 * configured one are built by the same code.
 */
const adapt = <T>(
  parse: (json: unknown, engineFields: readonly string[]) => FieldResult<T>,
  secretFields: readonly string[],
  input: Readonly<Record<string, unknown>>,
): DestinationConfigResult => {
  // The engine has already taken its own fields (type, format, max_attempts, from_seq) off.
  const parsed = parse(input, []);
  if (!parsed.ok) return { ok: false, errors: parsed.errors.map((e) => `${e.field} ${e.message}.`) };
  const config: Record<string, unknown> = {};
  const secrets: Record<string, string> = {};
  for (const [field, value] of Object.entries(input)) {
    if (secretFields.includes(field)) secrets[field] = String(value);
    else config[field] = value;
  }
  return { ok: true, value: { config, secrets } };
};

const reparse = <T>(
  parse: (json: unknown, engineFields: readonly string[]) => FieldResult<T>,
  fields: Readonly<Record<string, unknown>>,
): T => {
  const parsed = parse(fields, []);
  // Only a row edited by hand or sealed under a lost key gets here; say which fields, not values.
  if (!parsed.ok)
    throw new Error(`stored configuration no longer valid: ${parsed.errors.map((e) => e.field).join(', ')}`);
  return parsed.config;
};

/** `splunk_hec`: Splunk's HTTP Event Collector (docs/destinations-siem.md). */
export const splunkHecDestinationType: DestinationType = {
  secretFields: SPLUNK_HEC_SECRET_FIELDS,
  batchSize: () => SIEM_BATCH_SIZE,
  parseConfig: (input) => adapt(parseSplunkHecConfig, SPLUNK_HEC_SECRET_FIELDS, input),
  createSender: (stored) =>
    new SplunkHecSender(
      reparse<SplunkHecConfig>(parseSplunkHecConfig, { ...stored.config, ...stored.secrets }),
    ),
};

/** `syslog`: RFC 5424 over TLS with octet counting (docs/destinations-siem.md). */
export const syslogDestinationType: DestinationType = {
  secretFields: [],
  batchSize: () => SIEM_BATCH_SIZE,
  parseConfig: (input) => adapt(parseSyslogConfig, [], input),
  createSender: (stored) => new SyslogSender(reparse<SyslogConfig>(parseSyslogConfig, stored.config)),
};
