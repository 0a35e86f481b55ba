export { createCutoffServer, type CutoffServer, type CreateServerOptions } from './composition-root.js';
export { loadConfig, ConfigError } from './config/load-config.js';
export type { Config } from './config/config-schema.js';
export { ERROR_REGISTRY, CutoffError, type ErrorCode } from './domain/errors.js';
