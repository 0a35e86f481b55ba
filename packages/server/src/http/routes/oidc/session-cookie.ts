import type { Config } from '../../../config/config-schema.js';

/** The SSO cookie lives as long as the session can; the session decides when it really ends. */
export const sessionCookieMaxAge = (config: Config): number => config.sessionAbsoluteLifetimeSeconds;
