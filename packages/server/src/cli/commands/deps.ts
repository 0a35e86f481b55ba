import type { AdminClient } from '../admin-client.js';
import type { Output } from '../output.js';

/** What every command gets: the admin HTTP client and the output (text or --json). */
export interface Deps {
  readonly client: AdminClient;
  readonly out: Output;
}
