/**
 * The load generator: a child process (forked by load.mjs) so the server under test and the
 * client do not share one event loop. It receives one `run` message, drives a closed loop of
 * virtual clients over keep-alive connections (`RawHttpPool`), and answers with a `result` message.
 *
 * A generator module exports `createGenerator(data)` returning
 *   { clients?: number,                      // at most this many virtual clients (e.g. chains)
 *     request(vc, n): {method, path, headers, body},
 *     response(vc, statusCode, text): true | false | 'stop' }  // false/'stop' count as errors;
 *                                                               // 'stop' also ends that client
 */
import process from 'node:process';
import { createHistogram, performance } from 'node:perf_hooks';
import { RawHttpPool } from './raw-http-pool.mjs';

const ERROR_SAMPLES = 5;

const run = async (message) => {
  const {
    origin,
    generatorUrl,
    data,
    durationMs,
    warmupMs,
    maxRequests,
    concurrency,
    connections,
    pipelining,
  } = message;
  const { createGenerator } = await import(generatorUrl);
  const generator = await createGenerator(data);
  const clients = Math.max(1, Math.min(concurrency, generator.clients ?? concurrency));
  const pool = new RawHttpPool(origin, { connections, pipelining });

  const histogram = createHistogram();
  const errorSamples = [];
  let errors = 0;
  let measured = 0;
  let issued = 0;
  let completed = 0;
  let stopped = 0;

  const cpuAtStart = process.cpuUsage();
  const startedAt = performance.now();
  const measureFrom = startedAt + warmupMs;
  const deadline = measureFrom + durationMs;

  const noteError = (sample) => {
    errors++;
    if (errorSamples.length < ERROR_SAMPLES) errorSamples.push(sample);
  };

  const client = async (vc) => {
    while (performance.now() < deadline && issued < maxRequests) {
      const n = issued++;
      const options = generator.request(vc, n);
      const sentAt = performance.now();
      let verdict;
      try {
        const { statusCode, text } = await pool.request(options);
        verdict = generator.response(vc, statusCode, text);
        if (verdict !== true) verdict = { status: statusCode, text: text.slice(0, 200), verdict };
      } catch (error) {
        verdict = { error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
      }
      const doneAt = performance.now();
      completed++;
      // Errors always count (also in warm-up and after the deadline); successes count when they
      // complete inside the measured window.
      if (verdict !== true) noteError(verdict);
      else if (doneAt >= measureFrom && doneAt <= deadline) {
        measured++;
        histogram.record(Math.max(1, Math.round((doneAt - sentAt) * 1e6)));
      }
      if (verdict !== true && verdict.verdict === 'stop') {
        stopped++;
        return;
      }
    }
  };

  await Promise.all(Array.from({ length: clients }, (_, vc) => client(vc)));
  const finishedAt = performance.now();
  await pool.close();

  const cpu = process.cpuUsage(cpuAtStart);
  const windowMs = Math.max(1, Math.min(finishedAt, deadline) - Math.max(startedAt, measureFrom));
  return {
    requests: measured,
    errors,
    errorSamples,
    stoppedClients: stopped,
    clients,
    windowMs,
    issued,
    completed,
    clientCpuUsPerRequest: (cpu.user + cpu.system) / Math.max(1, completed),
    rps: (measured / windowMs) * 1000,
    p50Ms: measured > 0 ? histogram.percentile(50) / 1e6 : null,
    p99Ms: measured > 0 ? histogram.percentile(99) / 1e6 : null,
    maxMs: measured > 0 ? histogram.max / 1e6 : null,
  };
};

process.once('message', (message) => {
  run(message).then(
    (result) => process.send({ type: 'result', result }, () => process.exit(0)),
    (error) =>
      process.send({ type: 'error', error: error instanceof Error ? error.stack : String(error) }, () =>
        process.exit(1),
      ),
  );
});
