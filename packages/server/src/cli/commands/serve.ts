/* eslint-disable no-console -- start-up banner and the one-time admin key go to the terminal */
import { loadConfig } from '../../config/load-config.js';
import { createCutoffServer } from '../../composition-root.js';

export const serve = async (overrides: {
  readonly port?: number | undefined;
  readonly host?: string | undefined;
}): Promise<void> => {
  const config = loadConfig(process.env, { port: overrides.port, host: overrides.host });
  const server = await createCutoffServer(config);
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
