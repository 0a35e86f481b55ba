import process from 'node:process';

/** Guard options shared by the guard scenarios and their child processes (no server imports here). */

/** The server's default audience (`CUTOFF_AUDIENCE`); the bench servers keep it. */
export const AUDIENCE = 'cutoff';

/** Guard warnings and errors go to stderr (never into the result table); debug and info are dropped. */
export const benchLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: (message, fields) =>
    process.stderr.write(`guard warn: ${message}${fields ? ` ${JSON.stringify(fields)}` : ''}\n`),
  error: (message, fields) =>
    process.stderr.write(`guard error: ${message}${fields ? ` ${JSON.stringify(fields)}` : ''}\n`),
};

/** Options of a guard connected to `origin` (RS256, the server's default signing algorithm). */
export const guardOptions = (origin, feedApiKey, app) => ({
  issuer: origin,
  audience: AUDIENCE,
  algorithms: ['RS256'],
  feedApiKey,
  app,
  logger: benchLogger,
});
