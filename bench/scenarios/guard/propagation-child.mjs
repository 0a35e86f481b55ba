/**
 * A child process of the `guard/propagation` scenario: it runs several guards (each its own
 * `createGuard`, its own snapshot and SSE connection) and, on request, watches one token in a
 * tight `setImmediate` loop, reporting when each guard starts rejecting it.
 *
 * Messages (IPC, advanced serialization so BigInts travel):
 *   parent → child  {type: 'start', origin, feedKey, guards, app, tokens}
 *   child → parent  {type: 'ready'}
 *   parent → child  {type: 'watch', index, timeoutMs, pollMs}  (pollMs 0: a tight setImmediate loop)
 *   child → parent  {type: 'watching', index, errors}  (errors: guards not accepting the token yet)
 *   child → parent  {type: 'rejected', index, at: [bigint | null per guard]}
 *   parent → child  {type: 'cpu'} → child → parent {type: 'cpu', usage: process.cpuUsage()}
 *   parent → child  {type: 'stop'}  → the guards close, the process exits
 *
 * Times are `process.hrtime.bigint()`: libuv's uv_hrtime, CLOCK_MONOTONIC on Linux, one clock for
 * every process on the machine, so the parent can subtract its own readings from these.
 */
import process from 'node:process';
import { setImmediate, setTimeout } from 'node:timers';
import { createGuard } from '../../../packages/guard/dist/index.js';
import { guardOptions } from './guard-options.mjs';

let guards = [];
let tokens = [];

const send = (message) => process.send(message);

const start = async ({ origin, feedKey, guards: count, app, tokens: list }) => {
  tokens = list;
  guards = Array.from({ length: count }, (_, index) =>
    createGuard(guardOptions(origin, feedKey, `${app}-${index}`)),
  );
  await Promise.all(guards.map((guard) => guard.ready));
  // Every token is verified once by every guard: the watched checks are all cache hits.
  for (const guard of guards) for (const token of tokens) await guard.verify(token);
  send({ type: 'ready' });
};

const watch = ({ index, timeoutMs, pollMs }) => {
  const token = tokens[index];
  const at = guards.map(() => null);
  let errors = 0;
  for (const guard of guards) if (guard.check(token)?.ok !== true) errors++;
  let pending = guards.length;
  const deadline = process.hrtime.bigint() + BigInt(timeoutMs) * 1_000_000n;
  const spin = () => {
    const now = process.hrtime.bigint();
    for (let position = 0; position < guards.length; position++) {
      if (at[position] !== null) continue;
      const result = guards[position].check(token);
      if (result !== undefined && !result.ok && result.error.code === 'ERR_TOKEN_REVOKED') {
        at[position] = process.hrtime.bigint();
        pending--;
      }
    }
    if (pending === 0 || now > deadline) send({ type: 'rejected', index, at });
    else if (pollMs > 0) setTimeout(spin, pollMs);
    else setImmediate(spin);
  };
  send({ type: 'watching', index, errors });
  setImmediate(spin);
};

const stop = async () => {
  await Promise.all(guards.map((guard) => guard.close()));
  process.exit(0);
};

process.on('message', (message) => {
  if (message.type === 'start')
    start(message).catch((error) => {
      send({ type: 'error', error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    });
  else if (message.type === 'watch') watch(message);
  else if (message.type === 'cpu') send({ type: 'cpu', usage: process.cpuUsage() });
  else if (message.type === 'stop') void stop();
});
process.on('disconnect', () => process.exit(0));
