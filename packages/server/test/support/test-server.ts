import { createServer } from 'node:net';
import { Writable } from 'node:stream';
import { TOTP, Secret } from 'otpauth';
import { createCutoffServer, type CutoffServer } from '../../src/composition-root.js';
import type { Config } from '../../src/config/config-schema.js';
import { loadConfig } from '../../src/config/load-config.js';
import type { Clock } from '../../src/ports/clock.js';
import type { Scheduler } from '../../src/ports/scheduler.js';
import type { Store } from '../../src/ports/storage/store.js';
import { testStores, type TestBackend, type TestStores } from './stores.js';

export interface ApiResponse<T = any> {
  readonly status: number;
  readonly body: T;
  readonly headers: Headers;
}

export interface TestServer {
  readonly url: string;
  readonly adminKey: string;
  readonly server: CutoffServer;
  readonly store: Store;
  readonly config: Config;
  /** Every log line the server wrote, as raw text. */
  readonly logs: string[];
  /** JSON request with the admin key unless `key` says otherwise (`null`: no Authorization). */
  api<T = any>(method: string, path: string, body?: unknown, key?: string | null): Promise<ApiResponse<T>>;
  /** Form-encoded request (OAuth endpoints). */
  form<T = any>(
    path: string,
    fields: Record<string, string>,
    headers?: Record<string, string>,
  ): Promise<ApiResponse<T>>;
  createUser(
    input?: Partial<{ username: string; password: string; roles: string[]; groups: string[] }>,
  ): Promise<TestUser>;
  login(username: string, password: string, extra?: Record<string, string>): Promise<ApiResponse>;
  /**
   * Enrols TOTP and confirms it (as the help desk would with the user's first code); returns the
   * secret. Confirmed with the previous step's code (inside the ±1 step window), so the current
   * code is still unused for the test's own first login.
   */
  enrolTotp(userId: string): Promise<string>;
  apiKey(scopes: string[]): Promise<string>;
  close(): Promise<void>;
}

export interface TestUser {
  readonly id: string;
  readonly username: string;
  readonly password: string;
}

export const ADMIN_KEY = 'test-admin-key-0123456789abcdef';
let userCounter = 0;

const parseBody = async (response: Response): Promise<unknown> => {
  const text = await response.text();
  if (text === '') return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
};

export interface StartOptions {
  readonly backend?: TestBackend;
  readonly config?: Partial<Record<keyof Config, unknown>>;
  readonly clock?: Clock;
  /** A store the test made itself (and disposes of itself). */
  readonly store?: Store;
  /** Timers of periodic work (a `ManualScheduler` lets the test drive them). */
  readonly scheduler?: Scheduler;
}

/** A real Cutoff server on an ephemeral port with its own isolated store. */
export const startTestServer = async (options: StartOptions = {}): Promise<TestServer> => {
  const stores: TestStores | undefined =
    options.store === undefined ? testStores(options.backend ?? 'sqlite') : undefined;
  const store = options.store ?? (await stores!.create());
  const port = await freePort();
  const config = loadConfig(
    {},
    {
      port,
      issuer: `http://127.0.0.1:${port}`,
      adminKey: ADMIN_KEY,
      logLevel: 'info',
      loginMaxFailures: 1000,
      // No scheduled canary cycles unless a test asks: they would add users, sessions and entries.
      canaryIntervalSeconds: 0,
      ...options.config,
    },
  );
  const logs: string[] = [];
  const logStream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      logs.push(chunk.toString('utf8'));
      callback();
    },
  });
  const server = await createCutoffServer(config, {
    store,
    logStream,
    ...(options.clock && { clock: options.clock }),
    ...(options.scheduler && { scheduler: options.scheduler }),
  });
  const url = await server.listen();

  const request = async (path: string, init: RequestInit): Promise<ApiResponse> => {
    const response = await fetch(`${url}${path}`, init);
    return { status: response.status, body: await parseBody(response), headers: response.headers };
  };

  const testServer: TestServer = {
    url,
    adminKey: ADMIN_KEY,
    server,
    store,
    config,
    logs,
    api: (method, path, body, key = ADMIN_KEY) =>
      request(path, {
        method,
        headers: {
          ...(key !== null && { authorization: `Bearer ${key}` }),
          ...(body !== undefined && { 'content-type': 'application/json' }),
        },
        ...(body !== undefined && { body: JSON.stringify(body) }),
      }),
    form: (path, fields, headers = {}) =>
      request(path, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
        body: new URLSearchParams(fields).toString(),
      }),
    async createUser(input = {}) {
      userCounter += 1;
      const username = input.username ?? `user${userCounter}-${Date.now().toString(36)}`;
      const password = input.password ?? `pw-${username}-secret`;
      const response = await testServer.api('POST', '/v1/users', {
        username,
        password,
        roles: input.roles ?? [],
        groups: input.groups ?? [],
      });
      if (response.status !== 201)
        throw new Error(`createUser failed: ${response.status} ${JSON.stringify(response.body)}`);
      return { id: response.body.id, username, password };
    },
    login: (username, password, extra = {}) =>
      testServer.api('POST', '/v1/auth/login', { username, password, ...extra }, null),
    async enrolTotp(userId) {
      const enrolled = await testServer.api('POST', `/v1/users/${userId}/totp`);
      if (enrolled.status !== 201) throw new Error(`enrolTotp failed: ${enrolled.status}`);
      const secret = enrolled.body.secret as string;
      // A second try covers a step boundary passing between the code and the server's check.
      for (let attempt = 0; attempt < 2; attempt += 1) {
        const code = totpCode(secret, Date.now() - 30_000);
        const confirmed = await testServer.api('POST', `/v1/users/${userId}/totp/confirm`, { code });
        if (confirmed.status === 200) return secret;
      }
      throw new Error('enrolTotp: the confirmation was refused');
    },
    async apiKey(scopes) {
      const response = await testServer.api('POST', '/v1/api-keys', {
        name: `test-${scopes.join('-')}`,
        scopes,
      });
      if (response.status !== 201) throw new Error(`apiKey failed: ${response.status}`);
      return response.body.key as string;
    },
    async close() {
      await server.close();
      await stores?.dispose();
    },
  };
  return testServer;
};

/** A port nobody listens on, so the issuer URL can be known before the server starts. */
export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() =>
        typeof address === 'object' && address !== null
          ? resolve(address.port)
          : reject(new Error('no port')),
      );
    });
  });

/** The current TOTP code for a base32 secret. */
export const totpCode = (secret: string, at = Date.now()): string =>
  new TOTP({ secret: Secret.fromBase32(secret) }).generate({ timestamp: at });

/** A code the secret does not accept now: not its previous, current or next step's. */
export const wrongTotpCode = (secret: string): string => {
  const near = [-30_000, 0, 30_000].map((offset) => totpCode(secret, Date.now() + offset));
  const code = ['000000', '111111', '222222', '333333'].find((candidate) => !near.includes(candidate));
  if (code === undefined) throw new Error('unreachable: three steps cannot hold four codes');
  return code;
};

/** Decodes a JWT part without verifying (for assertions only). */
export const decodeJwtPart = (token: string, index: 0 | 1): Record<string, any> =>
  JSON.parse(Buffer.from(token.split('.')[index] ?? '', 'base64url').toString('utf8'));
