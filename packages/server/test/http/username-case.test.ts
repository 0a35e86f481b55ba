import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postHook, writeHooksFile } from '../hooks/hook-client.js';
import {
  createKey,
  filterQuery,
  patchOp,
  scimClient,
  USER_SCHEMA,
  type ScimCall,
} from '../scim/scim-client.js';
import { postgresTestsSkipped, TEST_BACKENDS } from '../support/stores.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const SECRET = 'idp-secret-0123456789abcd';

/**
 * RFC 7643 makes `userName` case-insensitive; IdPs (Okta, Entra) look a user up by filter before
 * creating them, so a case change at the IdP must find the existing account, not make a second.
 */
describe.each(TEST_BACKENDS)('one identity per person, whatever the letter case (%s)', (backend) => {
  let t: TestServer;
  let scim: ScimCall;

  beforeAll(async () => {
    if (backend === 'postgres' && postgresTestsSkipped()) return;
    const hooksFile = writeHooksFile({
      iga: {
        secret: SECRET,
        eventId: { path: 'id' },
        events: [
          {
            name: 'role-updated',
            when: { path: 'type', equals: 'role.updated' },
            action: 'role_update',
            user: { path: 'login', by: 'username' },
            roles: { path: 'roles' },
          },
        ],
      },
    });
    t = await startTestServer({ backend, config: { hooksFile } });
    scim = scimClient(t, (await createKey(t, ['scim'])).key);
  });
  afterAll(async () => {
    await t?.close();
  });

  it.skipIf(backend === 'postgres' && postgresTestsSkipped())(
    'refuses a case-variant duplicate, finds and logs in in any case, shows the case it was created with',
    async () => {
      const created = await t.api('POST', '/v1/users', {
        username: 'Olivia@Example.com',
        password: 'olivia-password-1',
      });
      expect(created.status).toBe(201);
      const duplicate = await t.api('POST', '/v1/users', {
        username: 'olivia@EXAMPLE.com',
        password: 'olivia-password-2',
      });
      expect(duplicate.status).toBe(409);
      expect(duplicate.body).toMatchObject({ code: 'ERR_CONFLICT', message: 'The username is taken.' });

      const listed = await t.api('GET', `/v1/users?username=${encodeURIComponent('OLIVIA@EXAMPLE.COM')}`);
      expect(listed.body.users.map((user: any) => [user.id, user.username])).toEqual([
        [created.body.id, 'Olivia@Example.com'],
      ]);

      const login = await t.login('OLIVIA@example.COM', 'olivia-password-1');
      expect(login.status).toBe(200);
      const sessions = (await t.api('GET', `/v1/users/${created.body.id}/sessions`)).body.sessions;
      expect(sessions.map((session: any) => session.id)).toEqual([login.body.session_id]);
      // U+212A KELVIN SIGN lower-cases to "k" in Unicode, but is not a letter of any username.
      await t.api('POST', '/v1/users', { username: 'kate.k', password: 'kate-password-1' });
      expect((await t.login('\u212Aate.k', 'kate-password-1')).status).toBe(401);
    },
  );

  it.skipIf(backend === 'postgres' && postgresTestsSkipped())(
    'SCIM: userName filters ignore case (caseExact false), and a case-variant POST is 409 uniqueness',
    async () => {
      const created = await scim('POST', '/Users', {
        schemas: [USER_SCHEMA],
        userName: 'Scim.Person@Example.com',
      });
      expect(created.status).toBe(201);
      const byFilter = async (filter: string): Promise<string[]> => {
        const response = await scim('GET', `/Users?${filterQuery(filter)}`);
        expect(response.status).toBe(200);
        return (response.body.Resources as any[]).map((user) => user.userName as string);
      };
      // What Okta and Entra send before creating a user: it must find the existing one.
      expect(await byFilter('userName eq "SCIM.PERSON@EXAMPLE.COM"')).toEqual(['Scim.Person@Example.com']);
      expect(await byFilter('userName eq "scim.person@example.com" and active eq true')).toEqual([
        'Scim.Person@Example.com',
      ]);
      expect(await byFilter('userName sw "SCIM.PERSON@"')).toEqual(['Scim.Person@Example.com']);
      expect(await byFilter('userName ne "SCIM.PERSON@EXAMPLE.COM" and userName sw "scim.person"')).toEqual(
        [],
      );

      const again = await scim('POST', '/Users', {
        schemas: [USER_SCHEMA],
        userName: 'scim.person@example.COM',
      });
      expect(again.status).toBe(409);
      expect(again.body.scimType).toBe('uniqueness');
      expect((await byFilter('userName sw "scim.person"')).length).toBe(1);

      // A rename onto someone else's name in another case is refused; one's own case may change.
      const other = await scim('POST', '/Users', { schemas: [USER_SCHEMA], userName: 'scim.other' });
      const stolen = await scim(
        'PATCH',
        `/Users/${other.body.id}`,
        patchOp({ op: 'replace', path: 'userName', value: 'SCIM.PERSON@example.com' }),
      );
      expect(stolen.status).toBe(409);
      expect(stolen.body.scimType).toBe('uniqueness');
      const recased = await scim(
        'PATCH',
        `/Users/${created.body.id}`,
        patchOp({ op: 'replace', path: 'userName', value: 'scim.person@example.com' }),
      );
      expect(recased.status).toBe(200);
      expect(recased.body.userName).toBe('scim.person@example.com');

      const schema = await scim('GET', `/Schemas/${USER_SCHEMA}`);
      const userName = schema.body.attributes.find((attribute: any) => attribute.name === 'userName');
      expect(userName).toMatchObject({ caseExact: false, uniqueness: 'server' });
    },
  );

  it.skipIf(backend === 'postgres' && postgresTestsSkipped())(
    'webhooks find the user by username in another case',
    async () => {
      const created = await t.api('POST', '/v1/users', {
        username: 'Hook.User',
        password: 'hook-user-password',
        roles: ['admin', 'viewer'],
      });
      const response = await postHook(
        t,
        'iga',
        { id: 'evt-case-1', type: 'role.updated', login: 'HOOK.USER', roles: ['viewer'] },
        { secret: SECRET },
      );
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ matched: true, applied: true, user_id: created.body.id });
      expect((await t.api('GET', `/v1/users/${created.body.id}`)).body.roles).toEqual(['viewer']);
    },
  );
});
