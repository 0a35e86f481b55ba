import type { DestinationTypes } from '../../ports/destination-types.js';
import type { UseCaseContext } from '../context.js';

/** What the destination use-cases need beside the usual context. */
export interface DestinationsDeps {
  readonly ctx: UseCaseContext;
  readonly types: DestinationTypes;
  /** Wakes this replica's delivery worker (after a configuration change or a replay). */
  readonly wake: () => void;
}
