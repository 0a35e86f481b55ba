import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import type { Clock } from '../../src/ports/clock.js';
import { ManualScheduler } from '../support/manual-scheduler.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

describe('the end-date schedule, on an injected clock', () => {
  let t: TestServer;
  let nowMs = Date.parse('2030-06-01T09:00:00Z');
  const clock: Clock = { now: () => new Date(nowMs) };
  const scheduler = new ManualScheduler();
  beforeAll(async () => {
    t = await startTestServer({ clock, scheduler, config: { scheduleIntervalMs: 20 } });
  });
  afterAll(() => t.close());

  const group = async (name: string) => (await t.api('GET', `/v1/groups/${name}`)).body;
  // Each tick covers a whole jittered interval and waits for the run it started to finish.
  const ticks = async (n: number) => {
    for (let i = 0; i < n; i += 1) await scheduler.tick(30);
  };

  it('ends a group when, and only when, its end date comes', async () => {
    const member = await t.createUser({ groups: ['clocked', 'staff'] });
    await t.api('PUT', '/v1/groups/clocked', { end_at: '2030-06-01T10:00:00Z' });
    await t.api('PUT', '/v1/groups/open-ended', {});

    nowMs = Date.parse('2030-06-01T09:59:59Z');
    await ticks(5);
    expect((await group('clocked')).ended_at).toBeNull();

    nowMs = Date.parse('2030-06-01T10:00:00Z');
    await ticks(1);
    const ended = await group('clocked');
    expect(ended.ended_at).toBe('2030-06-01T10:00:00.000Z');
    expect((await t.api('GET', `/v1/users/${member.id}`)).body.groups).toEqual(['staff']);

    // Later ticks find nothing more to do; a group without an end date is never ended.
    nowMs = Date.parse('2031-01-01T00:00:00Z');
    await ticks(5);
    expect((await group('open-ended')).ended_at).toBeNull();
    const events = (await t.api('GET', '/v1/audit?action=group.ended&target=group:clocked')).body.events;
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      ts: '2030-06-01T10:00:00.000Z',
      actor: { type: 'system', id: 'scheduler' },
    });
    expect(t.logs.filter((line) => line.includes('background error'))).toEqual([]);
  });
});

describe('schedule configuration', () => {
  it('defaults to 5 s and reads CUTOFF_SCHEDULE_INTERVAL_MS', () => {
    expect(loadConfig({}).scheduleIntervalMs).toBe(5000);
    expect(loadConfig({ CUTOFF_SCHEDULE_INTERVAL_MS: '250' }).scheduleIntervalMs).toBe(250);
    expect(() => loadConfig({ CUTOFF_SCHEDULE_INTERVAL_MS: '0' })).toThrow(/CUTOFF_SCHEDULE_INTERVAL_MS/);
    expect(() => loadConfig({ CUTOFF_SCHEDULE_INTERVAL_MS: 'often' })).toThrow(/CUTOFF_SCHEDULE_INTERVAL_MS/);
  });
});
