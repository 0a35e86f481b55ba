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
  };
  return { registry, metrics };
};

export type Metrics = ReturnType<typeof createMetrics>['metrics'];
