import { fork } from 'node:child_process';
import { clearTimeout, setTimeout } from 'node:timers';
import { URL } from 'node:url';
import { defer } from './cleanup.mjs';

const HOST = new URL('./target-host.mjs', import.meta.url);

/**
 * Starts a server under test in its own process (target-host.mjs): `exportName` of the module at
 * `moduleUrl` is called there with `args` and resolves to `{close, ...description}`. Resolves to
 * the description plus `server` (what `runLoad` measures the server's CPU with) and `close()`.
 */
export const startHostedTarget = async (moduleUrl, exportName, args) => {
  const child = fork(HOST, [], { serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const pending = new Map();
  let nextId = 1;
  const fail = (error) => {
    for (const { reject } of pending.values()) reject(error);
    pending.clear();
  };
  child.on('message', ({ id, ok, value, error }) => {
    const call = pending.get(id);
    pending.delete(id);
    if (ok) call?.resolve(value);
    else call?.reject(new Error(`target host: ${error}`));
  });
  child.on('error', fail);
  child.on('exit', (code, signal) => fail(new Error(`target host exited (${signal ?? code})`)));
  const request = (op, payload = {}) =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      child.send({ id, op, ...payload });
    });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const close = defer(`target host ${child.pid} (${exportName})`, async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    // Closing removes the target's data (temp dir, schema); a host that hangs is killed.
    const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    await request('close').catch(() => child.kill('SIGKILL'));
    await exited;
    clearTimeout(killer);
  });
  try {
    const description = await request('start', { moduleUrl, exportName, args });
    const server = {
      start: async () => {
        await request('mark');
        return () => request('measure');
      },
    };
    return { ...description, server, close };
  } catch (error) {
    await close();
    throw error;
  }
};
