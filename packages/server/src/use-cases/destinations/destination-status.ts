import { destinationLease } from '../../domain/destinations/delivery-rules.js';
import type { DestinationRecord } from '../../ports/storage/destinations.js';
import type { UseCaseContext } from '../context.js';

export interface DestinationStatus {
  readonly destination: DestinationRecord;
  readonly headSeq: number;
  /** Events committed but not yet acknowledged by the destination (its pending events). */
  readonly lagEvents: number;
  /** Age of the oldest unacknowledged event; 0 when caught up. */
  readonly lagSeconds: number;
  readonly dead: number;
  /** The replica delivering it now, if any holds the lease. */
  readonly leaseHolder: string | null;
}

export const destinationStatus = async (
  ctx: UseCaseContext,
  destination: DestinationRecord,
  headSeq?: number,
): Promise<DestinationStatus> => {
  const { store } = ctx;
  const now = ctx.clock.now();
  const head = headSeq ?? (await store.read((r) => r.destinations.auditHead()));
  const lagEvents = Math.max(0, head - destination.deliveredSeq);
  const oldest =
    lagEvents === 0 ? undefined : (await store.read((r) => r.audit.scan(destination.deliveredSeq, 1)))[0];
  return {
    destination,
    headSeq: head,
    lagEvents,
    lagSeconds: oldest === undefined ? 0 : Math.max(0, (now.getTime() - oldest.ts.getTime()) / 1000),
    dead: await store.read((r) => r.destinations.countDeadLetters(destination.name)),
    leaseHolder:
      (await store.read((r) => r.destinations.leaseHolder(destinationLease(destination.name), now))) ?? null,
  };
};

export const allDestinationStatuses = async (ctx: UseCaseContext): Promise<readonly DestinationStatus[]> => {
  const head = await ctx.store.read((r) => r.destinations.auditHead());
  const destinations = await ctx.store.read((r) => r.destinations.list());
  return Promise.all(destinations.map((destination) => destinationStatus(ctx, destination, head)));
};
