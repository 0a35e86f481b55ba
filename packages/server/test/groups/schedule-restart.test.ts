import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSqliteStore } from '../../src/adapters/storage/index.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

describe('the end-date schedule survives a restart', () => {
  let directory: string;
  const servers: TestServer[] = [];
  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'cutoff-schedule-'));
  });
  afterAll(async () => {
    for (const server of servers) await server.close();
    await rm(directory, { recursive: true, force: true });
  });

  /** A server on the one store file; closing the server closes its store. */
  const start = async (): Promise<TestServer> => {
    const store = createSqliteStore({ filename: join(directory, 'cutoff.db') });
    const server = await startTestServer({ store, config: { scheduleIntervalMs: 100 } });
    servers.push(server);
    return server;
  };

  it('ends, at the next start, a group whose end date passed while no server ran', async () => {
    const first = await start();
    const member = await first.createUser({ groups: ['restart-proj', 'staff'] });
    const endAt = new Date(Math.floor(Date.now() / 1000 + 2) * 1000);
    expect((await first.api('PUT', '/v1/groups/restart-proj', { end_at: endAt.toISOString() })).status).toBe(
      201,
    );
    const login = await first.login(member.username, member.password);
    expect(login.status).toBe(200);
    const refreshToken = login.body.refresh_token as string;
    await first.close();

    // Down across the end date.
    await new Promise((resolve) => setTimeout(resolve, endAt.getTime() - Date.now() + 200));

    const second = await start();
    const group = (await second.api('GET', '/v1/groups/restart-proj')).body;
    // The first tick runs at start-up; a short grace for it to commit.
    if (group.ended_at === null) await new Promise((resolve) => setTimeout(resolve, 300));
    const ended = (await second.api('GET', '/v1/groups/restart-proj')).body;
    expect(ended.ended_at).not.toBeNull();
    expect(Date.parse(ended.ended_at)).toBeGreaterThan(endAt.getTime());

    const revoked = (await second.api('GET', '/v1/audit?action=group.revoked&target=group:restart-proj')).body
      .events;
    expect(revoked).toHaveLength(1);
    expect(revoked[0]).toMatchObject({
      reason: 'contractor_end',
      actor: { type: 'system', id: 'scheduler' },
      counts: { sessions: 1 },
    });

    const refreshed = await second.form('/oauth/token', {
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
      client_id: 'cutoff',
    });
    expect(refreshed.status).toBe(400);
    expect(refreshed.body.error).toBe('invalid_grant');
    expect((await second.api('GET', `/v1/users/${member.id}`)).body.groups).toEqual(['staff']);
  });
});
