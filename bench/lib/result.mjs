/**
 * The common result format. Every scenario returns a list of these; the table printer and the
 * docs writer know nothing else about scenarios.
 *
 *   {
 *     group, scenario,          // 'server', 'login'
 *     backend,                  // 'sqlite' | 'postgres' | 'memory' | ... (free text)
 *     subject,                  // what was measured, e.g. 'Cutoff POST /oauth/introspect'
 *     value, unit,              // the headline number: 2431, 'req/s' (or 'ms', 'x')
 *     p50Ms, p99Ms,             // latency, null when not applicable
 *     requests, errors,         // counted in the measured window; errors must be 0
 *     cpuUsPerRequest,          // CPU time of the server process per answered request (µs), or null
 *     target,                   // null or { op: '>=' | '<', value, unit, text }
 *     pass,                     // true | false | null (no target); false whenever errors > 0
 *     notes,                    // short free text (counts returned, error samples, ...)
 *   }
 */

const compare = (op, value, bound) => (op === '>=' ? value >= bound : value < bound);

export const makeResult = ({
  group,
  scenario,
  backend,
  subject,
  value,
  unit,
  p50Ms = null,
  p99Ms = null,
  requests = null,
  errors = 0,
  cpuUsPerRequest = null,
  target = null,
  notes = '',
  failed = false,
}) => {
  const measured = typeof value === 'number' && Number.isFinite(value);
  let pass = null;
  if (failed || errors > 0 || (target !== null && !measured)) pass = false;
  else if (target !== null) pass = compare(target.op, value, target.value);
  return {
    group,
    scenario,
    backend,
    subject,
    value,
    unit,
    p50Ms,
    p99Ms,
    requests,
    errors,
    cpuUsPerRequest,
    target,
    pass,
    notes,
  };
};

/** A result from a load run (see load.mjs). */
export const loadResult = (base, load, extra = {}) =>
  makeResult({
    ...base,
    value: load.rps,
    unit: 'req/s',
    p50Ms: load.p50Ms,
    p99Ms: load.p99Ms,
    requests: load.requests,
    errors: load.errors,
    cpuUsPerRequest: load.serverCpuUsPerRequest ?? null,
    notes: [
      load.serverEventLoopUtilization === undefined
        ? ''
        : `server event loop ${Math.round(load.serverEventLoopUtilization * 100)} % busy`,
      load.clientCpuUsPerRequest === undefined
        ? ''
        : `load generator ${Math.round(load.clientCpuUsPerRequest)} µs CPU / request`,
      extra.notes,
      load.errors > 0 ? `ERRORS: ${load.errors}, e.g. ${JSON.stringify(load.errorSamples.slice(0, 2))}` : '',
    ]
      .filter(Boolean)
      .join('; '),
    ...(extra.target !== undefined && { target: extra.target }),
  });

/** A scenario (or backend) that could not run: reported as a failure, never silently skipped. */
export const failedResult = (base, error) =>
  makeResult({
    ...base,
    subject: base.subject ?? 'run',
    value: null,
    unit: '',
    failed: true,
    notes: `FAILED: ${error instanceof Error ? error.message : String(error)}`,
  });

export const atLeast = (value, unit, text) => ({
  op: '>=',
  value,
  unit,
  text: text ?? `≥ ${fmt(value)} ${unit}`,
});
export const atMost = (value, unit, text) => ({
  op: '<',
  value,
  unit,
  text: text ?? `< ${fmt(value)} ${unit}`,
});

/** Numbers for humans: 3 significant digits below 100, thousands separators above. */
export const fmt = (value) => {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  if (Math.abs(value) >= 100) return Math.round(value).toLocaleString('en-US');
  if (Math.abs(value) >= 10) return value.toFixed(1);
  return value.toFixed(2);
};

export const verdict = (result) => {
  if (result.pass === true) return 'pass';
  if (result.pass === false) return 'FAIL';
  return 'info';
};
