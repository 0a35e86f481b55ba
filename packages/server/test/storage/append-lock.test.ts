import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { createPostgresStore } from '../../src/adapters/storage/index.js';
import { APPEND_LOCK_CLASS } from '../../src/adapters/storage/store-context.js';
import type { Store } from '../../src/ports/storage/store.js';
import { deferred, makeAuditEvent } from './fixtures.js';
import { dropSchemas, postgresTestsSkipped, testDatabaseUrl } from '../support/stores.js';

/**
 * The append lock orders seqs within one store. Deployments (and test runs) that share one
 * PostgreSQL database in different schemas must not share it: a database-wide key made every
 * schema's appends wait for every other's, and let their lock cycles join into deadlocks.
 */
describe.skipIf(postgresTestsSkipped())('the PostgreSQL append lock is per schema', () => {
  const suffix = `${process.pid}_${Date.now().toString(36)}`;
  const schemas = [`cutoff_lock_a_${suffix}`, `cutoff_lock_b_${suffix}`] as const;
  let a: Store;
  let b: Store;
  beforeAll(async () => {
    a = createPostgresStore({ connectionString: testDatabaseUrl(), schema: schemas[0] });
    b = createPostgresStore({ connectionString: testDatabaseUrl(), schema: schemas[1] });
    await a.migrate();
    await b.migrate();
  });
  afterAll(async () => {
    await a.close();
    await b.close();
    await dropSchemas(testDatabaseUrl(), schemas);
  });

  it('an append in one schema does not wait for a transaction appending in another', async () => {
    const holding = deferred();
    const release = deferred();
    const inA = a.transaction(async (tx) => {
      await tx.audit.append(makeAuditEvent());
      holding.resolve();
      await release.promise; // A holds its append lock until released
    });
    await holding.promise;
    const order: string[] = [];
    const inB = b.transaction((tx) => tx.audit.append(makeAuditEvent())).then(() => order.push('b appended'));
    const timeout = new Promise((resolve) => setTimeout(resolve, 5_000)).then(() => order.push('timed out'));
    await Promise.race([inB, timeout]);
    order.push('a released');
    release.resolve();
    await inA;
    await inB;
    expect(order.slice(0, 2)).toEqual(['b appended', 'a released']);
  });

  it('still orders appends within one schema: a second append waits for the first to commit', async () => {
    const holding = deferred();
    const release = deferred();
    const order: string[] = [];
    const first = a.transaction(async (tx) => {
      await tx.audit.append(makeAuditEvent());
      holding.resolve();
      await release.promise;
      order.push('first committing');
    });
    await holding.promise;
    const second = a
      .transaction((tx) => tx.audit.append(makeAuditEvent()))
      .then((event) => {
        order.push('second appended');
        return event;
      });
    // Release only once PostgreSQL shows the second append waiting for schema A's append lock.
    const client = new pg.Client({ connectionString: testDatabaseUrl() });
    await client.connect();
    try {
      for (let waiting = 0; waiting === 0;) {
        const result = await client.query<{ waiting: string }>(
          `select count(*) as waiting from pg_locks where locktype = 'advisory' and not granted
             and classid = $1 and objid::bigint = (hashtext($2)::bigint & 4294967295)`,
          [APPEND_LOCK_CLASS, schemas[0]],
        );
        waiting = Number(result.rows[0]?.waiting ?? 0);
      }
    } finally {
      await client.end();
    }
    expect(order).toEqual([]);
    release.resolve();
    await first;
    await second;
    expect(order).toEqual(['first committing', 'second appended']);
  });
});
