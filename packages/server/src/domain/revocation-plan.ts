import type { RevocationKind, RevocationReason } from '@cutoff/guard/rule';
import type { AuditAction } from './audit-actions.js';
import type { SessionSelector } from './session-selector.js';

export interface RevocationTarget {
  readonly type: RevocationKind;
  readonly id: string;
}

export interface RevocationTiming {
  /** NumericDate of the watermark: tokens with iat <= at are rejected. */
  readonly at: number;
  readonly expiresAt: number;
}

/**
 * When an entry stops mattering: after the longest-lived token it could match has expired,
 * plus the clock skew guards tolerate.
 */
export const revocationTiming = (
  nowSeconds: number,
  accessTokenTtlSeconds: number,
  clockSkewSeconds: number,
): RevocationTiming => ({ at: nowSeconds, expiresAt: nowSeconds + accessTokenTtlSeconds + clockSkewSeconds });

/** The sessions (and so refresh tokens) a revocation kills with it; `token` kills none. */
export const sessionSelectorFor = (target: RevocationTarget): SessionSelector | undefined => {
  switch (target.type) {
    case 'token':
      return undefined;
    case 'all':
      return { kind: 'all', key: '*' };
    case 'session':
    case 'user':
    case 'group':
    case 'role':
    case 'client':
      return { kind: target.type, key: target.id };
  }
};

/** `noun.past_verb` for the audit trail. */
export const revocationAction = (kind: RevocationKind): AuditAction & `${RevocationKind}.revoked` =>
  `${kind}.revoked`;

export type { RevocationKind, RevocationReason };
