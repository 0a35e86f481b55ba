/**
 * A server under test in a process of its own (forked by hosted-target.mjs), so that servers
 * compared side by side share no heap, no garbage collector and no CPU counter: in one process,
 * the garbage one server leaves is collected, and counted, while the next one is measured.
 *
 * Messages (each answered with `{id, ok, value | error}`):
 *   {op: 'start', moduleUrl, exportName, args}  calls `await module[exportName](...args)`, which
 *                                               resolves to `{close, ...description}`; answers
 *                                               with the description
 *   {op: 'mark'}                                starts measuring CPU time and event-loop use
 *   {op: 'measure'}                             `{cpuUs, eventLoopUtilization}` since the mark
 *   {op: 'close'}                               closes the target, then the process exits
 */
import process from 'node:process';
import { cleanupAll } from './cleanup.mjs';
import { inThisProcess } from './load.mjs';

let target;
let stopMeasuring;

const ops = {
  start: async ({ moduleUrl, exportName, args }) => {
    const module = await import(moduleUrl);
    const { close, ...description } = await module[exportName](...args);
    target = { close };
    return description;
  },
  mark: async () => {
    stopMeasuring = await inThisProcess.start();
  },
  measure: () => stopMeasuring(),
  close: async () => {
    await target?.close();
    target = undefined;
  },
};

process.on('message', (message) => {
  const { id, op } = message;
  void (async () => {
    try {
      const value = await ops[op](message);
      process.send({ id, ok: true, value });
      if (op === 'close') process.disconnect();
    } catch (error) {
      process.send({ id, ok: false, error: error instanceof Error ? error.stack : String(error) });
    }
  })();
});

// Ctrl-C reaches the whole process group: the bench process then closes this target through
// 'close', so the host must not die first and leave its data behind.
process.on('SIGINT', () => undefined);
process.on('SIGTERM', () => {
  void cleanupAll().finally(() => process.exit(143));
});

// The bench process went away (Ctrl-C, crash): remove what this target created, then exit.
process.on('disconnect', () => {
  void cleanupAll().finally(() => process.exit(0));
});
