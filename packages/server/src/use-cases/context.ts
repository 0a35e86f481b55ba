import type { Config } from '../config/config-schema.js';
import type { Actor, AuditRequestInfo } from '../domain/records.js';
import type { Clock } from '../ports/clock.js';
import type { PasswordHasher } from '../ports/password-hasher.js';
import type { SecretSealer } from '../ports/secret-sealer.js';
import type { Store } from '../ports/storage/store.js';
import type { TokenSigner } from '../ports/token-signer.js';
import type { TotpVerifier } from '../ports/totp-verifier.js';
import type { RevocationIndex } from '@cutoff/guard/rule';
import type { LoginRateLimiter } from './auth/login-rate-limiter.js';
import type { ClientDirectory } from './oauth/client-directory.js';

/** Everything use-cases depend on; wired once in the composition root. */
export interface UseCaseContext {
  readonly config: Config;
  readonly store: Store;
  readonly clock: Clock;
  readonly signer: TokenSigner;
  readonly passwords: PasswordHasher;
  readonly totp: TotpVerifier;
  /** Seals TOTP secrets before they are stored (signing keys are sealed by the signer). */
  readonly sealer: SecretSealer;
  readonly loginLimiter: LoginRateLimiter;
  /** Registered clients, remembered once read (they never change). */
  readonly clients: ClientDirectory;
  /** The live revocation entries this replica has applied (kept current by the feed hub). */
  readonly revocationIndex: RevocationIndex;
  /**
   * Whether `revocationIndex` reflects a recent read of the store (the feed hub's vouch): a
   * replica cut off from the store must not answer for revocations it cannot see.
   */
  readonly revocationIndexCurrent: () => boolean;
}

/** Who asks, and from where: recorded in every audit event. */
export interface RequestContext {
  readonly actor: Actor;
  readonly request: AuditRequestInfo;
}
