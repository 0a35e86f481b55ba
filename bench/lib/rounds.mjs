/**
 * Load measured in rounds: the machine's speed drifts by tens of percent within minutes, so a
 * rate is reported as its median round, and a comparison as the median of per-round ratios.
 */

/** The middle value (the upper one of an even count). */
export const medianOf = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

const medianRound = (loads) => [...loads].sort((a, b) => a.rps - b.rps)[Math.floor(loads.length / 2)];

const sum = (loads, pick) => loads.reduce((total, load) => total + pick(load), 0);

/** Rate and latency of the median round; counts, errors and CPU over all rounds. */
export const summarizeRounds = (loads) => ({
  ...medianRound(loads),
  requests: sum(loads, (load) => load.requests),
  errors: sum(loads, (load) => load.errors),
  errorSamples: loads.flatMap((load) => load.errorSamples),
  serverCpuUsPerRequest:
    sum(loads, (load) => load.serverCpuUsPerRequest * load.completed) / sum(loads, (load) => load.completed),
});
