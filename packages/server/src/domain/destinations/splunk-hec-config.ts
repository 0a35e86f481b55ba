import { ENGINE_FIELDS, FieldReader, isLoopbackHost, type DestinationConfigResult } from './config-fields.js';

/** Where HEC takes JSON events (Splunk's documented endpoint); appended to a base `url`. */
export const HEC_EVENT_PATH = '/services/collector/event';
export const DEFAULT_HEC_SOURCETYPE = 'cutoff:audit';
export const DEFAULT_HEC_SOURCE = 'cutoff';
export const DEFAULT_HEC_TIMEOUT_MS = 10_000;

/** A `splunk_hec` destination: Splunk's HTTP Event Collector. */
export interface SplunkHecConfig {
  readonly type: 'splunk_hec';
  /** The full event endpoint, `https://splunk.example:8088/services/collector/event`. */
  readonly url: string;
  /** The HEC token. A secret: sealed at rest, never returned, logged or put in an error. */
  readonly token: string;
  /** Unset: the token's default index. */
  readonly index: string | null;
  readonly sourcetype: string;
  /** The `host` field of every event; unset: the server's hostname, chosen by the sender. */
  readonly host: string | null;
  readonly source: string;
  /**
   * PEM CA bundle the HEC certificate must chain to (Splunk ships a self-signed one); unset:
   * Node's public roots.
   */
  readonly ca: string | null;
  /** Gzip request bodies (`Content-Encoding: gzip`, which HEC accepts). */
  readonly gzip: boolean;
  /** Per request, connection to response. */
  readonly timeoutMs: number;
}

/** The fields the engine seals at rest and redacts when it shows the destination. */
export const SPLUNK_HEC_SECRET_FIELDS = ['token'] as const;

const FIELDS = ['url', 'token', 'index', 'sourcetype', 'host', 'source', 'ca', 'gzip', 'timeout_ms'];

const eventUrl = (reader: FieldReader, raw: string | undefined): string | undefined => {
  if (raw === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return (reader.fail('url', 'must be an absolute URL'), undefined);
  }
  if (url.username !== '' || url.password !== '')
    return (reader.fail('url', 'must not contain credentials (put the token in "token")'), undefined);
  if (url.search !== '' || url.hash !== '')
    return (reader.fail('url', 'must not have a query or fragment'), undefined);
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname))
    return (reader.fail('url', 'uses http on a host other than a loopback address (use https)'), undefined);
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return (reader.fail('url', 'must be an https URL'), undefined);
  const path = url.pathname.replace(/\/+$/, '');
  url.pathname = path.endsWith(HEC_EVENT_PATH) ? path : `${path}${HEC_EVENT_PATH}`;
  return url.toString();
};

/**
 * `{url, token, index?, sourcetype?, host?, source?, ca?, gzip?, timeout_ms?}`. `url` is the HEC base
 * (`https://splunk:8088`) or the event endpoint itself; `http` only on a loopback address.
 */
export const parseSplunkHecConfig = (
  json: unknown,
  engineFields: readonly string[] = ENGINE_FIELDS,
): DestinationConfigResult<SplunkHecConfig> => {
  const reader = new FieldReader(json, FIELDS, engineFields);
  const url = eventUrl(reader, reader.string('url', { required: true, max: 2000 }));
  const token = reader.string('token', { required: true, max: 256 });
  const index = reader.string('index', { max: 256 });
  const sourcetype = reader.string('sourcetype', { max: 256 });
  const host = reader.string('host', { max: 256 });
  const source = reader.string('source', { max: 256 });
  const ca = reader.pem('ca');
  const gzip = reader.boolean('gzip');
  const timeoutMs = reader.integer('timeout_ms', 100, 120_000);
  return reader.result(() => ({
    type: 'splunk_hec' as const,
    url: url!,
    token: token!,
    index: index ?? null,
    sourcetype: sourcetype ?? DEFAULT_HEC_SOURCETYPE,
    host: host ?? null,
    source: source ?? DEFAULT_HEC_SOURCE,
    ca: ca ?? null,
    gzip: gzip ?? false,
    timeoutMs: timeoutMs ?? DEFAULT_HEC_TIMEOUT_MS,
  }));
};
