export * from './issued-at.js';
export * from './revocation-entry.js';
export * from './revocation-index.js';
export * from './token-subject.js';
