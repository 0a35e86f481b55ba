import type { SsfTransmitterRecord } from '../../domain/signals/transmitter.js';

/** Trusted Shared Signals transmitters (docs/signals.md), by name; each issuer belongs to one. */
export interface SsfTransmitterRepository {
  /**
   * Creates or replaces the transmitter of this name (a replacement keeps the creation time);
   * true when created. Throws ERR_CONFLICT when another transmitter has the issuer.
   */
  put(transmitter: SsfTransmitterRecord): Promise<boolean>;
  find(name: string): Promise<SsfTransmitterRecord | undefined>;
  findByIssuer(issuer: string): Promise<SsfTransmitterRecord | undefined>;
  /** By name. */
  list(): Promise<readonly SsfTransmitterRecord[]>;
  /** False when there was none of this name. */
  remove(name: string): Promise<boolean>;
}
