import type { Selectable } from 'kysely';
import {
  CANARY_KINDS,
  CANARY_PROBE_METHODS,
  type CanaryKind,
  type CanaryProbeMethod,
  type CanaryProbeRecord,
  type CanaryProbeResult,
  type CanaryRunRecord,
} from '../../domain/canary/canary-records.js';
import type { CanaryRepository } from '../../ports/storage/canary.js';
import { fromMillis, parseStringArray, toFlag, toMillis } from './row-mapping.js';
import type { CanaryProbesTable, CanaryRunsTable } from './schema.js';
import { insertedRows, updatedRows } from './store-context.js';
import type { StoreContext } from './store-context.js';

const rowToProbe = (row: Selectable<CanaryProbesTable>): CanaryProbeRecord => {
  if (!(CANARY_PROBE_METHODS as readonly string[]).includes(row.method))
    throw new Error(`canary probe ${row.name}: unknown method ${row.method}`);
  return {
    name: row.name,
    url: row.url,
    method: row.method as CanaryProbeMethod,
    headerNames: parseStringArray(row.header_names, 'canary probe header names'),
    sealedHeaders: row.sealed_headers,
    timeoutMs: Number(row.timeout_ms),
    createdAt: fromMillis(row.created_at),
    updatedAt: fromMillis(row.updated_at),
  };
};

interface StoredResult {
  readonly probes: readonly {
    readonly name: string;
    readonly accepted: boolean;
    readonly rejected_after_ms: number | null;
    readonly statuses: readonly number[];
    readonly error: string | null;
  }[];
  readonly refresh_refused: boolean | null;
  readonly introspection_inactive: boolean;
  readonly guards: { readonly applied: number; readonly total: number };
  readonly error: string | null;
}

const rowToRun = (row: Selectable<CanaryRunsTable>): CanaryRunRecord => {
  if (!(CANARY_KINDS as readonly string[]).includes(row.kind))
    throw new Error(`canary run ${row.id}: unknown kind ${row.kind}`);
  const result = JSON.parse(row.result) as StoredResult;
  return {
    id: row.id,
    startedAt: fromMillis(row.started_at),
    finishedAt: fromMillis(row.finished_at),
    kind: row.kind as CanaryKind,
    ok: Number(row.ok) === 1,
    probes: result.probes.map((probe): CanaryProbeResult => ({
      name: probe.name,
      accepted: probe.accepted,
      rejectedAfterMs: probe.rejected_after_ms,
      statuses: probe.statuses,
      error: probe.error,
    })),
    refreshRefused: result.refresh_refused,
    introspectionInactive: result.introspection_inactive,
    guards: result.guards,
    error: result.error,
  };
};

const runToRow = (run: CanaryRunRecord): Selectable<CanaryRunsTable> => {
  const result: StoredResult = {
    probes: run.probes.map((probe) => ({
      name: probe.name,
      accepted: probe.accepted,
      rejected_after_ms: probe.rejectedAfterMs,
      statuses: probe.statuses,
      error: probe.error,
    })),
    refresh_refused: run.refreshRefused,
    introspection_inactive: run.introspectionInactive,
    guards: run.guards,
    error: run.error,
  };
  return {
    id: run.id,
    started_at: toMillis(run.startedAt),
    finished_at: toMillis(run.finishedAt),
    kind: run.kind,
    ok: toFlag(run.ok),
    result: JSON.stringify(result),
  };
};

export class KyselyCanaryRepository implements CanaryRepository {
  readonly #context: StoreContext;

  constructor(context: StoreContext) {
    this.#context = context;
  }

  async putProbe(probe: CanaryProbeRecord): Promise<boolean> {
    const row = {
      name: probe.name,
      url: probe.url,
      method: probe.method,
      header_names: JSON.stringify(probe.headerNames),
      sealed_headers: probe.sealedHeaders,
      timeout_ms: probe.timeoutMs,
      created_at: toMillis(probe.createdAt),
      updated_at: toMillis(probe.updatedAt),
    };
    const inserted = await this.#context.db
      .insertInto('canary_probes')
      .values(row)
      .onConflict((oc) => oc.doNothing())
      .executeTakeFirst();
    if (insertedRows(inserted) === 1) return true;
    // A replacement keeps the original creation time.
    const { name, created_at: _createdAt, ...changes } = row;
    await this.#context.db.updateTable('canary_probes').set(changes).where('name', '=', name).execute();
    return false;
  }

  async findProbe(name: string): Promise<CanaryProbeRecord | undefined> {
    const row = await this.#context.db
      .selectFrom('canary_probes')
      .selectAll()
      .where('name', '=', name)
      .executeTakeFirst();
    return row === undefined ? undefined : rowToProbe(row);
  }

  async listProbes(): Promise<readonly CanaryProbeRecord[]> {
    const rows = await this.#context.db.selectFrom('canary_probes').selectAll().orderBy('name').execute();
    return rows.map(rowToProbe);
  }

  async deleteProbe(name: string): Promise<boolean> {
    const result = await this.#context.db
      .deleteFrom('canary_probes')
      .where('name', '=', name)
      .executeTakeFirst();
    return Number(result.numDeletedRows) === 1;
  }

  async replaceSealedHeaders(name: string, expected: string, sealedHeaders: string): Promise<boolean> {
    const result = await this.#context.db
      .updateTable('canary_probes')
      .set({ sealed_headers: sealedHeaders })
      .where('name', '=', name)
      .where('sealed_headers', '=', expected)
      .executeTakeFirst();
    return updatedRows(result) === 1;
  }

  async insertRun(run: CanaryRunRecord): Promise<void> {
    await this.#context.db.insertInto('canary_runs').values(runToRow(run)).execute();
  }

  async recentRuns(limit: number): Promise<readonly CanaryRunRecord[]> {
    const rows = await this.#context.db
      .selectFrom('canary_runs')
      .selectAll()
      .orderBy('started_at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
    return rows.map(rowToRun);
  }

  async runsBetween(since: Date, until: Date): Promise<readonly CanaryRunRecord[]> {
    const rows = await this.#context.db
      .selectFrom('canary_runs')
      .selectAll()
      .where('started_at', '>=', toMillis(since))
      .where('started_at', '<', toMillis(until))
      .orderBy('started_at')
      .orderBy('id')
      .execute();
    return rows.map(rowToRun);
  }

  async pruneRunsBefore(before: Date): Promise<number> {
    const result = await this.#context.db
      .deleteFrom('canary_runs')
      .where('started_at', '<', toMillis(before))
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
