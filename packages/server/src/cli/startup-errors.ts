import type { Config } from '../config/config-schema.js';

/**
 * The expected ways `cutoff serve` fails to start (the database is down, refuses the login, the
 * data directory cannot be written), said in one line that names the setting to check, instead of
 * a driver's `connect ECONNREFUSED 127.0.0.1:5999` and a stack trace.
 */

/** The URL without its password (in the user-info part or a `password` query parameter). */
export const redactUrl = (raw: string): string => {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return '(unparsable URL)';
  }
  if (url.password !== '') url.password = 'redacted';
  for (const name of [...url.searchParams.keys()])
    if (/pass|secret|key/i.test(name)) url.searchParams.set(name, 'redacted');
  return url.toString();
};

const CONNECT_REASONS: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  ETIMEDOUT: 'timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  '28P01': 'password authentication failed',
  '28000': 'login refused',
  '3D000': 'the database does not exist',
  '57P03': 'the server is starting up or shutting down',
  '53300': 'too many connections',
};

const codeOf = (error: unknown): string | undefined => {
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, errors } = error as { code?: unknown; errors?: unknown };
  if (typeof code === 'string') return code;
  // Node reports a refused connection to `localhost` (IPv6 and IPv4) as an AggregateError.
  if (Array.isArray(errors)) return codeOf(errors[0]);
  return undefined;
};

export const describeStartupError = (error: unknown, config: Config): string | undefined => {
  const code = codeOf(error);
  if (code === undefined) return undefined;
  if (config.databaseUrl !== undefined) {
    const reason =
      CONNECT_REASONS[code] ??
      (/^08/.test(code) ? `connection failure (${code})` : /^(28|3D)/.test(code) ? code : undefined);
    if (reason === undefined) return undefined;
    const hint = /^(28|3D)/.test(code) ? '' : ' is it running?';
    return `cannot connect to PostgreSQL at ${redactUrl(config.databaseUrl)} (${reason}) —${hint} check CUTOFF_DATABASE_URL`;
  }
  if (/^(SQLITE_CANTOPEN|SQLITE_READONLY|EACCES|EROFS|ENOENT|ENOTDIR|ENOSPC|SQLITE_FULL)$/.test(code)) {
    const message = error instanceof Error ? error.message : code;
    return `cannot open the SQLite database in ${config.dataDir} (${message}) — check CUTOFF_DATA_DIR (it must be a writable directory)`;
  }
  return undefined;
};
