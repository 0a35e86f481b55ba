import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import { createGuard, type Guard, type GuardOptions } from '@cutoff/guard';
import { guardHandler } from '@cutoff/guard/node';
import { freePort } from '../support/test-server.js';

/*
 * Connected apps the canary probes in tests, all over real HTTP: the demo API as its own process,
 * an app that caches allow decisions, a guarded app with a configurable guard, and a recorder.
 */

const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
const demoMain = `${repoRoot}examples/demo-api/dist/main.js`;

const quietLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

export interface RunningApp {
  readonly url: string;
  close(): Promise<void>;
}

const listen = async (server: Server): Promise<string> => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('no address');
  return `http://127.0.0.1:${address.port}`;
};

const closeServer = (server: Server): Promise<void> =>
  new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });

const bearer = (headers: IncomingHttpHeaders): string | undefined =>
  /^Bearer (.+)$/.exec(headers.authorization ?? '')?.[1];

/** examples/demo-api, built and started as its own process, guarding with the test server. */
export const startDemoApi = async (issuer: string, feedApiKey: string): Promise<RunningApp> => {
  if (!existsSync(demoMain)) execFileSync('npx', ['tsc', '-b', 'examples/demo-api'], { cwd: repoRoot });
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, [demoMain], {
    env: { ...process.env, CUTOFF_ISSUER: issuer, CUTOFF_FEED_API_KEY: feedApiKey, DEMO_PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  await new Promise<void>((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      if (output.includes('demo-api on')) resolve();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => reject(new Error(`demo-api exited with ${code}: ${output}`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
};

/** A node:http app behind a real guard (fail-closed unless told otherwise). */
export const startGuardedApp = async (
  options: Partial<GuardOptions> & Pick<GuardOptions, 'issuer' | 'feedApiKey'>,
): Promise<RunningApp & { readonly guard: Guard }> => {
  const guard = createGuard({
    audience: 'cutoff',
    algorithms: ['RS256', 'ES256', 'EdDSA'],
    logger: quietLogger,
    ...options,
  });
  const server = createServer(
    guardHandler(guard, (_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    }),
  );
  const url = await listen(server);
  await guard.ready;
  return {
    url,
    guard,
    close: async () => {
      await closeServer(server);
      await guard.close();
    },
  };
};

/**
 * The bug the canary exists for: an app (or a reverse proxy) that asks the guard once per token
 * and then remembers "allowed", so a revoked token it has seen keeps working.
 */
export const startCachingApp = async (
  options: Pick<GuardOptions, 'issuer' | 'feedApiKey'>,
): Promise<RunningApp> => {
  const app = await startGuardedApp({ ...options, app: 'cached-proxy' });
  const allowed = new Set<string>();
  const server = createServer((request, response) => {
    const token = bearer(request.headers) ?? '';
    if (allowed.has(token)) {
      response.writeHead(200).end('{"cached":true}');
      return;
    }
    app.guard.verify(token).then(
      () => {
        allowed.add(token);
        response.writeHead(200).end('{"cached":false}');
      },
      () => response.writeHead(401).end(),
    );
  });
  const url = await listen(server);
  return {
    url,
    close: async () => {
      await closeServer(server);
      await app.close();
    },
  };
};

/** Records every request's headers and answers `status` (with `location` when given). */
export const startRecorder = async (
  status: number,
  location?: string,
): Promise<RunningApp & { readonly requests: IncomingHttpHeaders[] }> => {
  const requests: IncomingHttpHeaders[] = [];
  const server = createServer((request, response) => {
    requests.push(request.headers);
    response.writeHead(status, location === undefined ? {} : { location }).end();
  });
  const url = await listen(server);
  return { url, requests, close: () => closeServer(server) };
};

/** Accepts connections and requests and never answers (a hung app). */
export const startHangingApp = async (): Promise<RunningApp> => {
  const server = createServer(() => undefined);
  const url = await listen(server);
  return { url, close: () => closeServer(server) };
};
