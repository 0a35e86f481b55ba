export * from './rule/index.js';
export { GUARD_ERROR_CODES, GUARD_ERROR_DESCRIPTIONS, GuardError, isGuardError } from './errors.js';
export type { GuardErrorCode, GuardErrorInit, RevokedBy } from './errors.js';
export { createGuard } from './guard.js';
export type { CheckFailure, CheckResult, CheckSuccess, Guard, GuardStatus } from './guard.js';
export { ALLOWED_ALGORITHMS, GUARD_DEFAULTS, STALE_POLICIES } from './options.js';
export type {
  GuardAlgorithm,
  GuardOptions,
  IntrospectionOptions,
  StalePolicy,
  TrustedIssuerOptions,
} from './options.js';
export { defaultLogger } from './logger.js';
export type { GuardLogger } from './logger.js';
export type { AccessTokenClaims, VerifiedToken } from './verify/access-token-claims.js';
export { parseBearer } from './http/bearer.js';
export type { BearerCredentials } from './http/bearer.js';
export { createAuthorizer } from './http/authorize.js';
export type { Authorizer, AuthorizeOutcome, MiddlewareOptions } from './http/authorize.js';
export { rejectionsFor } from './http/rejection.js';
export type { Rejections, RejectionResponse } from './http/rejection.js';
