import type { DestinationType, DestinationTypes } from '../../ports/destination-types.js';
import { fileDestinationType } from './file-destination.js';
import { httpDestinationType } from './http-destination.js';
import { splunkHecDestinationType, syslogDestinationType } from './siem-destination-types.js';

/**
 * Every destination type this server speaks. A new type is one line
 * here and a `DestinationType` beside it; the engine, API, CLI and status need nothing more.
 */
export const destinationTypes = (): DestinationTypes =>
  new Map<string, DestinationType>([
    ['http', httpDestinationType()],
    ['file', fileDestinationType],
    ['splunk_hec', splunkHecDestinationType],
    ['syslog', syslogDestinationType],
  ]);
