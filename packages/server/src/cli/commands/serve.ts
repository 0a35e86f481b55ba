/* eslint-disable no-console -- start-up banner and the one-time admin key go to the terminal */
import { loadConfig } from '../../config/load-config.js';
import { createCutoffServer, type CutoffServer } from '../../composition-root.js';
import { describeStartupError } from '../startup-errors.js';

/** A start-up failure whose one-line message says what to check; main prints it without a stack. */
export class StartupError extends Error {
  override readonly name = 'StartupError';
}

export const serve = async (overrides: {
  readonly port?: number | undefined;
  readonly host?: string | undefined;
}): Promise<void> => {
  const config = loadConfig(
    process.env,
    { port: overrides.port, host: overrides.host },
    { port: '--port', host: '--host' },
  );
  let server: CutoffServer;
  try {
    server = await createCutoffServer(config);
  } catch (error) {
    const described = describeStartupError(error, config);
    if (described === undefined) throw error;
    throw new StartupError(described, { cause: error });
  }
  const url = await server.listen();
  if (server.generatedAdminKey !== null) {
    console.error(
      [
        '',
        'No CUTOFF_ADMIN_KEY was set, so an admin API key was generated. It is shown this once:',
        '',
        `  ${server.generatedAdminKey}`,
        '',
        'Store it in a secret manager; only its hash is kept.',
        '',
      ].join('\n'),
    );
  }
  server.app.log.info({ url, store: server.ctx.store.dialect, issuer: config.issuer }, 'cutoff listening');

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    server.app.log.info({ signal }, 'draining and shutting down');
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        server.app.log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
};
