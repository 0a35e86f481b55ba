import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresStore } from '../../src/adapters/storage/index.js';
import { postgresTestsSkipped, testDatabaseUrl } from '../support/stores.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const GROUPS = ['pg-proj-a', 'pg-proj-b', 'pg-proj-c', 'pg-proj-d'];

describe.skipIf(postgresTestsSkipped())(
  'two replicas on one PostgreSQL schema, both running the schedule',
  () => {
    const schema = `cutoff_test_groups_${process.pid}_${randomBytes(4).toString('hex')}`;
    let a: TestServer;
    let b: TestServer;
    beforeAll(async () => {
      const open = () =>
        createPostgresStore({ connectionString: testDatabaseUrl(), schema, maxConnections: 4 });
      // A fast tick on both, so their ticks overlap at the end date.
      a = await startTestServer({ store: open(), config: { scheduleIntervalMs: 20 } });
      b = await startTestServer({ store: open(), config: { scheduleIntervalMs: 20 } });
    });
    afterAll(async () => {
      await a.close();
      await b.close();
      const client = new pg.Client({ connectionString: testDatabaseUrl() });
      await client.connect();
      try {
        await client.query(`drop schema if exists "${schema}" cascade`);
      } finally {
        await client.end();
      }
    });

    it('ends each group exactly once', async () => {
      const members = [];
      for (const [index, group] of GROUPS.entries()) {
        const server = index % 2 === 0 ? a : b;
        for (let n = 0; n < 3; n += 1) {
          const user = await server.createUser({ groups: [group, 'staff'] });
          expect((await server.login(user.username, user.password)).status).toBe(200);
          members.push(user);
        }
      }
      // The same end date for every group, on the next whole second but one.
      const endAt = new Date(Math.floor(Date.now() / 1000 + 2) * 1000).toISOString();
      for (const [index, group] of GROUPS.entries()) {
        const server = index % 2 === 0 ? a : b;
        expect((await server.api('PUT', `/v1/groups/${group}`, { end_at: endAt })).status).toBe(201);
      }

      const deadline = Date.now() + 6000;
      for (;;) {
        const groups = (await a.api('GET', '/v1/groups?limit=200')).body.groups as any[];
        if (groups.every((group) => group.ended_at !== null)) break;
        if (Date.now() > deadline) throw new Error('the groups were not ended in time');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      // Let any second attempt finish before counting.
      await new Promise((resolve) => setTimeout(resolve, 300));

      for (const group of GROUPS) {
        const ended = (await b.api('GET', `/v1/audit?action=group.ended&target=group:${group}`)).body.events;
        expect(ended, group).toHaveLength(1);
        expect(ended[0].counts).toMatchObject({ members: 3, sessions: 3 });
        const revoked = (await b.api('GET', `/v1/audit?action=group.revoked&target=group:${group}`)).body
          .events;
        expect(revoked, group).toHaveLength(1);
        expect(revoked[0].actor).toEqual({ type: 'system', id: 'scheduler' });
      }
      const feed = (await a.api('GET', '/v1/revocations?after=0')).body.entries as any[];
      expect(
        feed
          .filter((entry) => entry.kind === 'group')
          .map((entry) => entry.key)
          .sort(),
      ).toEqual(GROUPS);
      expect((await a.api('GET', '/v1/audit/verify')).body.ok).toBe(true);
      // Neither replica's schedule failed (no deadlock, no conflict): the loser simply found it ended.
      expect([...a.logs, ...b.logs].filter((line) => line.includes('background error'))).toEqual([]);
      for (const member of members) {
        expect((await b.api('GET', `/v1/users/${member.id}`)).body.groups).toEqual(['staff']);
      }
    });
  },
);
