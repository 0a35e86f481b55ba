import type { DestinationSender } from './destination-sender.js';

/** A type's fields split as they are stored: shown in the clear, or sealed and never shown. */
export interface ParsedDestinationConfig {
  readonly config: Readonly<Record<string, unknown>>;
  readonly secrets: Readonly<Record<string, string>>;
}

export type DestinationConfigResult =
  | { readonly ok: true; readonly value: ParsedDestinationConfig }
  | { readonly ok: false; readonly errors: readonly string[] };

/** What a sender may need from the process (where files go, how to log). */
export interface DestinationSenderDeps {
  /** Directory that `file` destinations write under (`CUTOFF_DESTINATION_FILE_DIR`). */
  readonly fileDir: string;
}

/**
 * One destination type (`http`, `file`, `splunk_hec`, `syslog`): checks a configuration, says
 * which of its fields are secrets, and builds the sender that speaks its protocol.
 */
export interface DestinationType {
  /** The fields stored sealed and never shown (`secret`, `token`). */
  readonly secretFields: readonly string[];
  /** Events per `send` call. */
  readonly batchSize: (config: Readonly<Record<string, unknown>>) => number;
  /** Validates the type's fields of `PUT /v1/destinations/{name}` (everything but the engine's). */
  parseConfig(fields: Readonly<Record<string, unknown>>): DestinationConfigResult;
  /** A sender for a stored configuration and its opened secrets. */
  createSender(stored: ParsedDestinationConfig, deps: DestinationSenderDeps): DestinationSender;
}

/** The types this server knows, by name. */
export type DestinationTypes = ReadonlyMap<string, DestinationType>;
