import { Counter, Gauge, type Registry } from 'prom-client';
import type { DestinationStatus } from '../use-cases/destinations/destination-status.js';
import type { DeliveryResult } from '../use-cases/destinations/delivery-worker.js';

/** How long one scrape's status read serves the other gauges of the same scrape. */
const STATUS_REUSE_MS = 500;

/**
 * Per-destination delivery metrics. The gauges are read from the store at scrape time (one read
 * of the destinations for all of them), so every replica reports the same cursor whichever holds
 * the lease; the counter counts the sends of this replica.
 */
export const createDestinationMetrics = (
  registry: Registry,
  readStatuses: () => Promise<readonly DestinationStatus[]>,
) => {
  let cached: { readonly at: number; readonly statuses: Promise<readonly DestinationStatus[]> } | undefined;
  const statuses = (): Promise<readonly DestinationStatus[]> => {
    const now = Date.now();
    if (cached === undefined || now - cached.at > STATUS_REUSE_MS)
      cached = { at: now, statuses: readStatuses() };
    return cached.statuses;
  };
  const gauge = (name: string, help: string, value: (status: DestinationStatus) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ['destination'] as const,
      registers: [registry],
      async collect() {
        this.reset();
        for (const status of await statuses())
          this.set({ destination: status.destination.name }, value(status));
      },
    });
  gauge(
    'cutoff_destination_delivered_seq',
    'Highest audit seq the destination acknowledged (with every one before it).',
    (s) => s.destination.deliveredSeq,
  );
  gauge(
    'cutoff_destination_lag_events',
    'Audit events committed and not yet acknowledged by the destination.',
    (s) => s.lagEvents,
  );
  gauge(
    'cutoff_destination_lag_seconds',
    'Age of the oldest audit event the destination has not acknowledged (0 when caught up).',
    (s) => s.lagSeconds,
  );
  gauge(
    'cutoff_destination_dead_events',
    'Events dead-lettered after max_attempts (GET /v1/destinations/{name}/dead-letters).',
    (s) => s.dead,
  );
  const deliveries = new Counter({
    name: 'cutoff_destination_deliveries_total',
    help: 'Events sent by this replica per destination, by result (success, failure, dead_lettered).',
    labelNames: ['destination', 'result'] as const,
    registers: [registry],
  });
  return {
    delivered: (destination: string, result: DeliveryResult, events: number) =>
      deliveries.inc({ destination, result }, events),
  };
};
