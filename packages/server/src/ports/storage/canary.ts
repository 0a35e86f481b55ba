import type { CanaryProbeRecord, CanaryRunRecord } from '../../domain/canary/canary-records.js';

export interface CanaryRepository {
  /** Creates or replaces the probe of this name; true when it was created. */
  putProbe(probe: CanaryProbeRecord): Promise<boolean>;
  findProbe(name: string): Promise<CanaryProbeRecord | undefined>;
  /** By name. */
  listProbes(): Promise<readonly CanaryProbeRecord[]>;
  /** False when there was no probe of this name. */
  deleteProbe(name: string): Promise<boolean>;
  /**
   * Replaces a probe's sealed headers if they are still `expected` (a compare-and-set, for
   * `cutoff secrets reseal`); false when the probe is gone or was replaced meanwhile.
   */
  replaceSealedHeaders(name: string, expected: string, sealedHeaders: string): Promise<boolean>;
  insertRun(run: CanaryRunRecord): Promise<void>;
  /** Most recent first (by start time, then id). */
  recentRuns(limit: number): Promise<readonly CanaryRunRecord[]>;
  /** Runs that started in [since, until), oldest first (evidence reports). */
  runsBetween(since: Date, until: Date): Promise<readonly CanaryRunRecord[]>;
  /** Forgets runs that started before `before` (retention); returns how many. */
  pruneRunsBefore(before: Date): Promise<number>;
}
