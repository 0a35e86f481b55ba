/**
 * The admin commands moved to one file per noun (`users.ts`, `audit.ts`, `api-keys.ts`...); this
 * module keeps the names it exported so existing imports still work.
 */
export type { Deps } from './deps.js';
export { resolveUserId, sessions, usersAdd, usersList, type User } from './users.js';
export { revokeCommand } from './revocations.js';
export { auditExport, auditTail, auditVerify } from './audit.js';
export { keysRotate } from './keys.js';
export { outboxList, outboxRetry } from './outbox.js';
export { secretsReseal } from './secrets.js';
export { apiKeysCreate, apiKeysList, apiKeysRevoke } from './api-keys.js';
