/** Named leases: work that one replica at a time does (the canary cycle), shared through the store. */
export interface LeaseRepository {
  /**
   * Takes the lease `name` for `holder` until `until` when it is free at `now` (never taken,
   * expired, or already this holder's). Race-safe: of concurrent claimers exactly one wins.
   */
  tryAcquire(name: string, holder: string, now: Date, until: Date): Promise<boolean>;
  /** Gives the lease back if `holder` still holds it. */
  release(name: string, holder: string): Promise<boolean>;
}
