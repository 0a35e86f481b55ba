import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** One registry per server instance, so several servers in one process never collide. */
export const createMetrics = () => {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'cutoff_process_' });
  const metrics = {
    httpDuration: new Histogram({
      name: 'cutoff_http_request_duration_seconds',
      help: 'HTTP request duration by route and status.',
      labelNames: ['method', 'route', 'status'] as const,
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    logins: new Counter({
      name: 'cutoff_logins_total',
      help: 'Login attempts by result.',
      labelNames: ['result'] as const,
      registers: [registry],
    }),
    refreshes: new Counter({
      name: 'cutoff_refreshes_total',
      help: 'Refresh token grants by result.',
      labelNames: ['result'] as const,
      registers: [registry],
    }),
    apiKeyLastUsedWrites: new Counter({
      name: 'cutoff_api_key_last_used_writes_total',
      help: 'last_used_at writes of API keys (coalesced: one per key used per flush interval).',
      registers: [registry],
    }),
    revocations: new Counter({
      name: 'cutoff_revocations_total',
      help: 'Revocation entries committed by kind and reason.',
      labelNames: ['kind', 'reason'] as const,
      registers: [registry],
    }),
    storeTransactionRetries: new Counter({
      name: 'cutoff_store_transaction_retries_total',
      help: 'Store transactions run again after PostgreSQL rolled them back, by cause (deadlock or serialization_failure).',
      labelNames: ['cause'] as const,
      registers: [registry],
    }),
    feedHead: new Gauge({
      name: 'cutoff_feed_head',
      help: 'Highest revocation seq known.',
      registers: [registry],
    }),
    feedSubscribers: new Gauge({
      name: 'cutoff_feed_subscribers',
      help: 'Open revocation stream connections.',
      registers: [registry],
    }),
    guardsConnected: new Gauge({
      name: 'cutoff_guards_connected',
      help: 'Guards (connected apps) streaming the feed from this replica or reporting to it recently.',
      registers: [registry],
    }),
    guardMaxLag: new Gauge({
      name: 'cutoff_guard_max_lag_entries',
      help: 'Entries the furthest-behind guard known to this replica lags behind the feed head.',
      registers: [registry],
    }),
    outboxMessages: new Gauge({
      name: 'cutoff_outbox_messages',
      help: 'Durable notifications by status (pending: not yet sent; dead: given up, needs replay).',
      labelNames: ['status'] as const,
      registers: [registry],
    }),
    webhooks: new Counter({
      name: 'cutoff_webhooks_total',
      help: 'Inbound webhooks by configured source and result (accepted or rejected).',
      labelNames: ['source', 'result'] as const,
      registers: [registry],
    }),
    canaryTimeToReject: new Histogram({
      name: 'cutoff_canary_time_to_reject_seconds',
      help: 'Time from the canary revocation commit until the probe answered 401.',
      labelNames: ['probe'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    canaryRuns: new Counter({
      name: 'cutoff_canary_runs_total',
      help: 'Canary cycles by result (success or failure).',
      labelNames: ['result'] as const,
      registers: [registry],
    }),
    canaryProbePassed: new Gauge({
      name: 'cutoff_canary_probe_passed',
      help: 'Whether the probe passed the last canary cycle (1) or not (0): the app to look at when 0.',
      labelNames: ['probe'] as const,
      registers: [registry],
    }),
    canaryLastSuccess: new Gauge({
      name: 'cutoff_canary_last_success_timestamp_seconds',
      help: 'Unix time of the last canary cycle the probe passed (took the token, then refused it in time).',
      labelNames: ['probe'] as const,
      registers: [registry],
    }),
  };
  // A counter series that first appears at 1 has no increase to alert on: start both at 0.
  metrics.canaryRuns.inc({ result: 'success' }, 0);
  metrics.canaryRuns.inc({ result: 'failure' }, 0);
  metrics.storeTransactionRetries.inc({ cause: 'deadlock' }, 0);
  metrics.storeTransactionRetries.inc({ cause: 'serialization_failure' }, 0);
  return { registry, metrics };
};

export type Metrics = ReturnType<typeof createMetrics>['metrics'];
