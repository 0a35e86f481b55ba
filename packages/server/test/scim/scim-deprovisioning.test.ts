import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startProtectedApp, type ProtectedApp } from '../support/protected-app.js';
import { decodeJwtPart, startTestServer, type TestServer } from '../support/test-server.js';
import {
  createKey,
  ENTERPRISE_USER,
  filterQuery,
  GROUP_SCHEMA,
  patchOp,
  scimClient,
  USER_SCHEMA,
  type ScimCall,
} from './scim-client.js';

interface Session {
  readonly access_token: string;
  readonly refresh_token: string;
}

/**
 * From the identity provider's SCIM call to a guard-protected app answering 401: Okta- and
 * Microsoft Entra-shaped payloads for every deprovisioning path.
 */
describe('SCIM deprovisioning cuts access off', () => {
  let t: TestServer;
  let app: ProtectedApp;
  let scim: ScimCall;
  let scimKey: { id: string; key: string };
  let userCounter = 0;

  beforeAll(async () => {
    t = await startTestServer();
    const feed = await createKey(t, ['feed:read']);
    scimKey = await createKey(t, ['scim']);
    scim = scimClient(t, scimKey.key);
    app = await startProtectedApp({ issuer: t.url, feedApiKey: feed.key });
    await provisionEntraUsers();
  });
  afterAll(async () => {
    await app.close();
    await t.close();
  });

  /** Logs in and checks the token works at the protected app. */
  const login = async (userName: string, password: string): Promise<Session> => {
    const response = await t.login(userName, password);
    expect(response.status).toBe(200);
    const session = response.body as Session;
    expect(await app.status(session.access_token)).toBe(200);
    return session;
  };

  const refresh = (session: Session) =>
    t.form('/oauth/token', {
      grant_type: 'refresh_token',
      refresh_token: session.refresh_token,
      client_id: 'cutoff',
    });

  /** The app answers 401 for the old token, refresh fails, and the audit trail names reason and actor. */
  const expectCutOff = async (userId: string, session: Session, reason: string): Promise<void> => {
    await eventually(async () => (await app.status(session.access_token)) === 401, 3000);
    const refreshed = await refresh(session);
    expect(refreshed.status).toBe(400);
    expect(refreshed.body.error).toBe('invalid_grant');
    const events = (await t.api('GET', `/v1/audit?target=user:${userId}&action=user.revoked`)).body
      .events as any[];
    expect(events.at(-1)).toMatchObject({ reason, actor: { type: 'scim', id: scimKey.id } });
  };

  const oktaUser = (userName: string, password: string) => ({
    schemas: [USER_SCHEMA],
    userName,
    name: { givenName: 'Test', familyName: 'User' },
    emails: [{ primary: true, value: userName, type: 'work' }],
    displayName: 'Test User',
    locale: 'en-US',
    externalId: `00u${(userCounter += 1)}okta`,
    groups: [],
    password,
    active: true,
  });

  const entraUser = (userName: string) => ({
    schemas: [USER_SCHEMA, ENTERPRISE_USER],
    externalId: `a1b2c3d4-0000-4000-8000-${String((userCounter += 1)).padStart(12, '0')}`,
    userName,
    active: true,
    emails: [{ primary: true, type: 'work', value: userName }],
    meta: { resourceType: 'User' },
    name: { formatted: 'Given Family', familyName: 'Family', givenName: 'Given' },
    roles: [],
    [ENTERPRISE_USER]: { employeeNumber: '1001', department: 'Finance' },
  });

  /** Tokens issued in the second of a revocation are rejected (the safe side): log in after it. */
  const nextSecond = () => new Promise((resolve) => setTimeout(resolve, 1000 - (Date.now() % 1000) + 20));

  /**
   * Entra provisions users without a password (they sign in through the IdP). These users are
   * created with Entra's payloads up front, and the test logs them in with a password set
   * through the admin API; that counts as a credential change, so the logins start a second later.
   */
  const entraIds = new Map<string, string>();
  const entraPassword = (userName: string): string => `Entra-Pass-${userName}`;
  const provisionEntraUsers = async (): Promise<void> => {
    const bodies = [
      entraUser('entra.deact@contoso.com'),
      entraUser('entra.member@contoso.com'),
      entraUser('entra.delete@contoso.com'),
      {
        ...entraUser('entra.role@contoso.com'),
        roles: [{ primary: true, type: 'WindowsAzureActiveDirectoryRole', value: 'Approver' }],
      },
    ];
    for (const body of bodies) {
      const created = await scim('POST', '/Users', body);
      expect(created.status).toBe(201);
      entraIds.set(body.userName, created.body.id);
      const password = entraPassword(body.userName);
      expect((await t.api('PATCH', `/v1/users/${created.body.id}`, { password })).status).toBe(200);
    }
    await nextSecond();
  };
  const entraId = (userName: string): string => entraIds.get(userName)!;

  it('Okta: create, then PATCH {"op":"replace","value":{"active":false}} deactivates', async () => {
    const created = await scim('POST', '/Users', oktaUser('okta.deact@example.com', 'Okta-Pass-1'));
    expect(created.status).toBe(201);
    // Okta looks the user up by userName before and after.
    const lookup = await scim(
      'GET',
      `/Users?${filterQuery('userName eq "okta.deact@example.com"')}&startIndex=1&count=100`,
    );
    expect(lookup.body.Resources[0].id).toBe(created.body.id);
    const session = await login('okta.deact@example.com', 'Okta-Pass-1');

    const deactivated = await scim(
      'PATCH',
      `/Users/${created.body.id}`,
      patchOp({ op: 'replace', value: { active: false } }),
    );
    expect(deactivated.status).toBe(200);
    expect(deactivated.body.active).toBe(false);
    await expectCutOff(created.body.id, session, 'offboarding');
    expect((await t.login('okta.deact@example.com', 'Okta-Pass-1')).status).toBe(401);
  });

  it('Okta: a PUT with active false deactivates', async () => {
    const body = oktaUser('okta.put@example.com', 'Okta-Pass-2');
    const created = await scim('POST', '/Users', body);
    const session = await login('okta.put@example.com', 'Okta-Pass-2');
    const { password: _password, ...profile } = body;
    const replaced = await scim('PUT', `/Users/${created.body.id}`, {
      ...profile,
      id: created.body.id,
      active: false,
    });
    expect(replaced.status).toBe(200);
    await expectCutOff(created.body.id, session, 'offboarding');
  });

  it('Okta: group push, then removing a member revokes only that member', async () => {
    const stays = await scim('POST', '/Users', oktaUser('okta.stays@example.com', 'Okta-Pass-3'));
    const leaves = await scim('POST', '/Users', oktaUser('okta.leaves@example.com', 'Okta-Pass-4'));
    const group = await scim('POST', '/Groups', {
      schemas: [GROUP_SCHEMA],
      displayName: 'Okta Pushed',
      members: [],
    });
    expect(group.status).toBe(201);
    const added = await scim(
      'PATCH',
      `/Groups/${group.body.id}`,
      patchOp({
        op: 'add',
        path: 'members',
        value: [
          { value: stays.body.id, display: 'okta.stays@example.com' },
          { value: leaves.body.id, display: 'okta.leaves@example.com' },
        ],
      }),
    );
    expect(added.status).toBe(200);
    const staying = await login('okta.stays@example.com', 'Okta-Pass-3');
    const leaving = await login('okta.leaves@example.com', 'Okta-Pass-4');
    expect(decodeJwtPart(leaving.access_token, 1).groups).toEqual(['Okta-Pushed']);

    const removed = await scim(
      'PATCH',
      `/Groups/${group.body.id}`,
      patchOp({ op: 'remove', path: `members[value eq "${leaves.body.id}"]` }),
    );
    expect(removed.status).toBe(200);
    await expectCutOff(leaves.body.id, leaving, 'role_change');
    expect(await app.status(staying.access_token)).toBe(200);
    expect((await refresh(staying)).status).toBe(200);
  });

  it('Entra: "op":"Replace","path":"active","value":"False" deactivates', async () => {
    const id = entraId('entra.deact@contoso.com');
    const session = await login('entra.deact@contoso.com', entraPassword('entra.deact@contoso.com'));
    const deactivated = await scim(
      'PATCH',
      `/Users/${id}`,
      patchOp({ op: 'Replace', path: 'active', value: 'False' }),
    );
    expect(deactivated.status).toBe(200);
    expect(deactivated.body.active).toBe(false);
    await expectCutOff(id, session, 'offboarding');
  });

  it('Entra: Add members, then Remove with a value array revokes the removed member', async () => {
    const memberId = entraId('entra.member@contoso.com');
    const group = await scim('POST', '/Groups', {
      schemas: [GROUP_SCHEMA, 'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group'],
      externalId: '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159',
      displayName: 'Entra Finance',
      meta: { resourceType: 'Group' },
    });
    expect(group.status).toBe(201);
    const found = await scim(
      'GET',
      `/Groups?excludedAttributes=members&${filterQuery('displayName eq "Entra Finance"')}`,
    );
    expect(found.body.Resources[0].id).toBe(group.body.id);
    const add = await scim(
      'PATCH',
      `/Groups/${group.body.id}`,
      patchOp({ op: 'Add', path: 'members', value: [{ $ref: null, value: memberId }] }),
    );
    expect(add.status).toBe(200);
    const session = await login('entra.member@contoso.com', entraPassword('entra.member@contoso.com'));
    expect(decodeJwtPart(session.access_token, 1).groups).toEqual(['Entra-Finance']);
    const remove = await scim(
      'PATCH',
      `/Groups/${group.body.id}`,
      patchOp({ op: 'Remove', path: 'members', value: [{ $ref: null, value: memberId }] }),
    );
    expect(remove.status).toBe(200);
    await expectCutOff(memberId, session, 'role_change');
    // The re-login (a second later) carries the reduced claims.
    await nextSecond();
    const again = await login('entra.member@contoso.com', entraPassword('entra.member@contoso.com'));
    expect(decodeJwtPart(again.access_token, 1).groups).toEqual([]);
  });

  it('Entra: DELETE revokes, then deletes the user', async () => {
    const id = entraId('entra.delete@contoso.com');
    const session = await login('entra.delete@contoso.com', entraPassword('entra.delete@contoso.com'));
    expect((await scim('DELETE', `/Users/${id}`)).status).toBe(204);
    await expectCutOff(id, session, 'offboarding');
    expect((await scim('GET', `/Users/${id}`)).status).toBe(404);
    const deleted = (await t.api('GET', `/v1/audit?target=user:${id}&action=user.deleted`)).body.events;
    expect(deleted).toHaveLength(1);
    expect(deleted[0]).toMatchObject({
      actor: { type: 'scim', id: scimKey.id },
      details: { source: 'scim' },
    });
  });

  it('removing a role (PATCH value path, or PUT without it) revokes with role_change', async () => {
    const created = await scim('POST', '/Users', {
      ...oktaUser('role.user@example.com', 'Role-Pass-1'),
      roles: [{ value: 'admin' }, { value: 'viewer' }],
    });
    const session = await login('role.user@example.com', 'Role-Pass-1');
    expect(decodeJwtPart(session.access_token, 1).roles).toEqual(['admin', 'viewer']);
    const removed = await scim(
      'PATCH',
      `/Users/${created.body.id}`,
      patchOp({ op: 'Remove', path: 'roles[value eq "admin"]' }),
    );
    expect(removed.body.roles).toEqual([{ value: 'viewer', primary: true }]);
    await expectCutOff(created.body.id, session, 'role_change');

    await nextSecond();
    const second = await login('role.user@example.com', 'Role-Pass-1');
    expect(decodeJwtPart(second.access_token, 1).roles).toEqual(['viewer']);
    const put = await scim('PUT', `/Users/${created.body.id}`, {
      userName: 'role.user@example.com',
      roles: [],
    });
    expect(put.status).toBe(200);
    await expectCutOff(created.body.id, second, 'role_change');
  });

  it('Entra: replacing the single app role (roles[primary eq "True"].value) revokes with role_change', async () => {
    const id = entraId('entra.role@contoso.com');
    expect((await scim('GET', `/Users/${id}`)).body.roles).toEqual([{ value: 'Approver', primary: true }]);
    const session = await login('entra.role@contoso.com', entraPassword('entra.role@contoso.com'));
    const replaced = await scim(
      'PATCH',
      `/Users/${id}`,
      patchOp({ op: 'Replace', path: 'roles[primary eq "True"].value', value: 'Viewer' }),
    );
    expect(replaced.body.roles).toEqual([{ value: 'Viewer', primary: true }]);
    await expectCutOff(id, session, 'role_change');
  });

  it('deleting a group revokes its members', async () => {
    const member = await scim('POST', '/Users', oktaUser('group.delete@example.com', 'Group-Pass-1'));
    const group = await scim('POST', '/Groups', {
      displayName: 'Doomed',
      members: [{ value: member.body.id }],
    });
    const session = await login('group.delete@example.com', 'Group-Pass-1');
    expect((await scim('DELETE', `/Groups/${group.body.id}`)).status).toBe(204);
    await eventually(async () => (await app.status(session.access_token)) === 401, 3000);
    expect((await refresh(session)).status).toBe(400);
    const events = (await t.api('GET', '/v1/audit?target=group:Doomed&action=group.revoked')).body.events;
    expect(events[0]).toMatchObject({ reason: 'role_change', actor: { type: 'scim', id: scimKey.id } });
  });

  it('additions and reactivation revoke nothing', async () => {
    const created = await scim('POST', '/Users', oktaUser('no.revoke@example.com', 'Keep-Pass-1'));
    const id = created.body.id as string;
    const group = await scim('POST', '/Groups', { displayName: 'Additions' });
    const session = await login('no.revoke@example.com', 'Keep-Pass-1');
    const head = async () => (await t.api('GET', '/v1/revocations?after=0')).body.head as number;
    const before = await head();
    expect(
      (
        await scim(
          'PATCH',
          `/Users/${id}`,
          patchOp({ op: 'add', path: 'roles', value: [{ value: 'extra' }] }),
        )
      ).status,
    ).toBe(200);
    expect(
      (
        await scim(
          'PATCH',
          `/Groups/${group.body.id}`,
          patchOp({ op: 'add', path: 'members', value: [{ value: id }] }),
        )
      ).status,
    ).toBe(200);
    expect(
      (
        await scim(
          'PATCH',
          `/Users/${id}`,
          patchOp(
            { op: 'replace', path: 'displayName', value: 'Renamed' },
            { op: 'replace', value: { active: true } },
          ),
        )
      ).status,
    ).toBe(200);
    // Okta re-sends the same password with profile pushes: not a credential change.
    const { password } = oktaUser('no.revoke@example.com', 'Keep-Pass-1');
    expect(
      (await scim('PATCH', `/Users/${id}`, patchOp({ op: 'replace', value: { password } }))).status,
    ).toBe(200);
    expect(await head()).toBe(before);
    expect(await app.status(session.access_token)).toBe(200);
    expect((await refresh(session)).status).toBe(200);

    // Deactivation cuts off; reactivation (a second later) lets a new login through and revokes nothing.
    await scim('PATCH', `/Users/${id}`, patchOp({ op: 'replace', value: { active: false } }));
    const deactivated = await head();
    expect(deactivated).toBe(before + 1);
    await nextSecond();
    await scim('PATCH', `/Users/${id}`, patchOp({ op: 'Replace', path: 'active', value: 'True' }));
    await login('no.revoke@example.com', 'Keep-Pass-1');
    expect(await head()).toBe(deactivated);
  });
});
