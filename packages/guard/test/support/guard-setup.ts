import { createGuard, type Guard, type GuardLogger, type GuardOptions } from '../../src/index.js';
import { AUDIENCE, EXTERNAL_ISSUER, FEED_KEY, eventually, type FakeCutoff } from './fake-cutoff.js';

export interface LogLine {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly message: string;
  readonly fields: Readonly<Record<string, unknown>> | undefined;
}

export const recordingLogger = (): GuardLogger & { readonly lines: LogLine[] } => {
  const lines: LogLine[] = [];
  const at =
    (level: LogLine['level']) =>
    (message: string, fields?: Readonly<Record<string, unknown>>): void => {
      lines.push({ level, message, fields });
    };
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
};

/** `maxStalenessMs` for tests that pause heartbeats and wait for the guard to go stale. */
export const STALE_FAST_MS = 300;

export const guardOptions = (fake: FakeCutoff, overrides: Partial<GuardOptions> = {}): GuardOptions => ({
  issuer: fake.issuer,
  audience: AUDIENCE,
  algorithms: ['RS256', 'ES256', 'EdDSA', 'PS256'],
  feedApiKey: FEED_KEY,
  app: 'test-app',
  // Staleness counts from when the fake sent its heartbeat, so on a loaded machine a tight bound
  // flaps; tests that go stale on purpose pass STALE_FAST_MS.
  maxStalenessMs: 1000,
  jwksCooldownMs: 50,
  trustedIssuers: [
    { issuer: EXTERNAL_ISSUER, jwksUri: `${fake.issuer}/idp/jwks.json`, algorithms: ['RS256'] },
  ],
  logger: recordingLogger(),
  ...overrides,
});

/** Guards created through this are closed by `closeGuards()` in afterEach. */
const open = new Set<Guard>();

export const startGuard = async (
  fake: FakeCutoff,
  overrides: Partial<GuardOptions> = {},
  { waitReady = true }: { readonly waitReady?: boolean } = {},
): Promise<Guard> => {
  const guard = createGuard(guardOptions(fake, overrides));
  open.add(guard);
  if (waitReady) {
    await guard.ready;
    // Current, too: the snapshot vouches only as of when it was requested, so on a loaded
    // machine the first heartbeat may be what makes the guard fresh.
    await eventually(() => !guard.status().degraded, 3000, 'guard current');
  }
  return guard;
};

export const closeGuards = async (): Promise<void> => {
  await Promise.all([...open].map((guard) => guard.close()));
  open.clear();
};

/** Resolves to the GuardError code a verification rejects with (or 'ok'). */
export const outcome = async (guard: Guard, token: string | undefined): Promise<string> => {
  try {
    await guard.verify(token);
    return 'ok';
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  }
};
