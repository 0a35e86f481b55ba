export { createCutoffClient } from './cutoff-client.js';
export type { CutoffClient, CutoffClientOptions, ReauthReason } from './cutoff-client.js';
export type { CutoffTokens } from './token-refresher.js';
export { CLIENT_ERROR_CODES, CutoffClientError, ReauthRequiredError } from './errors.js';
export type { CutoffClientErrorCode } from './errors.js';
