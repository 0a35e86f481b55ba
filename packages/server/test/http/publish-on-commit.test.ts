import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RevocationRecord } from '../../src/domain/records.js';
import type { CommittedChanges } from '../../src/ports/storage/committed-changes.js';
import { postHook, writeHooksFile } from '../hooks/hook-client.js';
import { USER_SCHEMA, scimClient } from '../scim/scim-client.js';
import { eventually } from '../support/protected-app.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const HOOK_SECRET = 'idp-secret-0123456789abcd';

/**
 * Every kind of change that writes a revocation reaches the feed because its transaction
 * committed, not because a use-case remembered to say so, and not because the feed polled: the
 * hub's poll is stopped, so only the store's commit listener can move it.
 */
describe('a committed revocation is published by the unit of work, once, for every kind of change', () => {
  let t: TestServer;
  const published: CommittedChanges[] = [];

  beforeAll(async () => {
    const hooksFile = writeHooksFile({
      iga: {
        secret: HOOK_SECRET,
        eventId: { path: 'id' },
        events: [
          {
            name: 'role-updated',
            when: { path: 'type', equals: 'role.updated' },
            action: 'role_update',
            user: { path: 'data.user.login', by: 'username' },
            roles: { path: 'data.roles' },
          },
        ],
      },
    });
    t = await startTestServer({
      config: {
        hooksFile,
        refreshGraceSeconds: 0,
        // Nothing listens here: a send fails at once, which is enough to see the worker woke.
        smtpUrl: 'smtp://127.0.0.1:9',
        mailFrom: 'cutoff@example.test',
        outboxPollMs: 60_000,
      },
    });
    // The feed's store reads on a timer stop here: from now on only a publication moves it.
    t.server.hub.stop();
    t.store.onCommitted((changes) => published.push(changes));
  });
  afterAll(async () => {
    await t.close();
  });

  /** Runs `change`; returns the entries it committed, after checking each was published once. */
  const publishedBy = async (change: () => Promise<unknown>): Promise<readonly RevocationRecord[]> => {
    const before = await t.store.read((r) => r.revocations.head());
    published.length = 0;
    await change();
    const committed = await t.store.read((r) => r.revocations.listLive(before, 0, 1_000));
    expect(committed.length).toBeGreaterThan(0);
    const publishedSeqs = published.flatMap((changes) => changes.revocations.map((entry) => entry.seq));
    expect(publishedSeqs).toEqual(committed.map((entry) => entry.seq));
    const last = committed.at(-1)!.seq;
    // A publication is delivered at once, or by a catch-up read it starts; never by a timer.
    await eventually(() => t.server.hub.head >= last, 2_000);
    return committed;
  };

  const loggedIn = async (roles: string[] = []) => {
    const user = await t.createUser({ roles });
    const session = (await t.login(user.username, user.password)).body;
    return { user, session };
  };

  it('session revoke', async () => {
    const { session } = await loggedIn();
    const entries = await publishedBy(() =>
      t.api('POST', '/v1/revocations', {
        target: { type: 'session', id: session.session_id },
        reason: 'manual',
      }),
    );
    expect(entries.map((entry) => [entry.kind, entry.key])).toEqual([['session', session.session_id]]);
  });

  it('user revoke', async () => {
    const { user } = await loggedIn();
    const entries = await publishedBy(() =>
      t.api('POST', '/v1/revocations', { target: { type: 'user', id: user.id }, reason: 'offboarding' }),
    );
    expect(entries.map((entry) => [entry.kind, entry.key])).toEqual([['user', user.id]]);
  });

  it('logout', async () => {
    const { session } = await loggedIn();
    const entries = await publishedBy(async () => {
      const response = await fetch(`${t.url}/v1/auth/logout`, {
        method: 'POST',
        headers: { authorization: `Bearer ${session.access_token}` },
      });
      expect(response.status).toBe(200);
    });
    expect(entries.map((entry) => [entry.kind, entry.key])).toEqual([['session', session.session_id]]);
  });

  it('refresh-token reuse', async () => {
    const { session } = await loggedIn();
    const refresh = (token: string) =>
      t.form('/oauth/token', { grant_type: 'refresh_token', refresh_token: token, client_id: 'cutoff' });
    expect((await refresh(session.refresh_token)).status).toBe(200);
    const entries = await publishedBy(async () => {
      expect((await refresh(session.refresh_token)).body.error).toBe('invalid_grant');
    });
    expect(entries.map((entry) => [entry.kind, entry.key, entry.reason])).toEqual([
      ['session', session.session_id, 'security_incident'],
    ]);
  });

  it('inbound webhook', async () => {
    const { user } = await loggedIn(['admin', 'viewer']);
    const entries = await publishedBy(async () => {
      const response = await postHook(
        t,
        'iga',
        {
          id: `evt-${user.id}`,
          type: 'role.updated',
          occurred_at: new Date().toISOString(),
          data: { user: { login: user.username }, roles: ['viewer'] },
        },
        { secret: HOOK_SECRET },
      );
      expect(response.body).toMatchObject({ applied: true });
    });
    expect(entries.map((entry) => [entry.kind, entry.key])).toEqual([['user', user.id]]);
  });

  it('SCIM deprovisioning', async () => {
    const scim = scimClient(t, await t.apiKey(['scim']));
    const created = await scim('POST', '/Users', {
      schemas: [USER_SCHEMA],
      userName: 'scim-published',
      active: true,
    });
    expect(created.status).toBe(201);
    const entries = await publishedBy(async () => {
      expect((await scim('DELETE', `/Users/${created.body.id}`)).status).toBe(204);
    });
    expect(entries.map((entry) => [entry.kind, entry.key])).toEqual([['user', created.body.id]]);
  });

  it('group end', async () => {
    await t.createUser({ groups: ['published-team'] });
    expect((await t.api('PUT', '/v1/groups/published-team', { display_name: 'Published' })).status).toBe(201);
    const entries = await publishedBy(async () => {
      expect((await t.api('POST', '/v1/groups/published-team/end')).status).toBe(200);
    });
    expect(entries.map((entry) => [entry.kind, entry.key])).toContainEqual(['group', 'published-team']);
  });

  it('security incident, and the outbox worker is woken for its email', async () => {
    const { user } = await loggedIn();
    expect((await t.api('PATCH', `/v1/users/${user.id}`, { email: 'victim@example.test' })).status).toBe(200);
    let messageId: string | undefined;
    const entries = await publishedBy(async () => {
      const response = await t.api('POST', `/v1/users/${user.id}/incident`, { note: 'published' });
      expect(response.status).toBe(200);
      messageId = response.body.notifications[0].id;
    });
    expect(entries.map((entry) => [entry.kind, entry.key])).toEqual([['user', user.id]]);
    expect(published.flatMap((changes) => changes.outboxMessages.map((message) => message.id))).toEqual([
      messageId,
    ]);
    // The worker polls once a minute here: an attempt within seconds is the wake-up's.
    await eventually(
      async () => ((await t.store.read((r) => r.outbox.findById(messageId!)))?.attempts ?? 0) >= 1,
      5_000,
    );
  });

  it('canary cycle', async () => {
    const entries = await publishedBy(async () => {
      expect((await t.api('POST', '/v1/canary/runs')).status).toBe(200);
    });
    expect(entries.every((entry) => entry.reason === 'canary')).toBe(true);
  });
});
