/**
 * Benchmark options from the environment. Every scenario reads these through `env.options`.
 *
 *   BENCH_DURATION_SECONDS     measured seconds per throughput run (default 5)
 *   BENCH_WARMUP_SECONDS       unmeasured seconds before each throughput run (default 1)
 *   BENCH_ONLY                 comma-separated scenario ids or group names (default: everything)
 *   BENCH_BACKENDS             comma-separated subset of `sqlite,postgres` (default: both)
 *   BENCH_DOCS                 `0` to skip writing docs/benchmarks.md
 *   CUTOFF_BENCH_DATABASE_URL  PostgreSQL for the postgres backend
 *                              (default postgres://postgres@127.0.0.1:5432/test)
 */

import process from 'node:process';

const number = (raw, fallback, name) => {
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a non-negative number`);
  return value;
};

const list = (raw) =>
  raw === undefined || raw.trim() === ''
    ? []
    : raw
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item !== '');

export const BACKENDS = ['sqlite', 'postgres'];

export const readOptions = (env = process.env) => {
  const backends = list(env.BENCH_BACKENDS);
  for (const backend of backends) {
    if (!BACKENDS.includes(backend)) throw new Error(`BENCH_BACKENDS: unknown backend ${backend}`);
  }
  const databaseUrl = env.CUTOFF_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  if (!/^postgres(ql)?:\/\/[^/]*(127\.0\.0\.1|localhost|\[::1\])[:/]/.test(databaseUrl)) {
    throw new Error('CUTOFF_BENCH_DATABASE_URL must point at 127.0.0.1 (benchmarks stay on this machine)');
  }
  return Object.freeze({
    durationMs: Math.round(number(env.BENCH_DURATION_SECONDS, 5, 'BENCH_DURATION_SECONDS') * 1000) || 1000,
    warmupMs: Math.round(number(env.BENCH_WARMUP_SECONDS, 1, 'BENCH_WARMUP_SECONDS') * 1000),
    only: list(env.BENCH_ONLY),
    backends: backends.length > 0 ? backends : BACKENDS,
    databaseUrl,
    writeDocs: env.BENCH_DOCS !== '0',
  });
};
