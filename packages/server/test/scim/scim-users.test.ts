import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/test-server.js';
import {
  createKey,
  ENTERPRISE_USER,
  ERROR_SCHEMA,
  filterQuery,
  patchOp,
  scimClient,
  USER_SCHEMA,
  type ScimCall,
} from './scim-client.js';

describe('SCIM /Users', () => {
  let t: TestServer;
  let scim: ScimCall;
  let scimKey: { id: string; key: string };

  beforeAll(async () => {
    t = await startTestServer();
    scimKey = await createKey(t, ['scim']);
    scim = scimClient(t, scimKey.key);
  });
  afterAll(() => t.close());

  const auditFor = async (id: string) =>
    (await t.api('GET', `/v1/audit?target=user:${id}&limit=100`)).body.events as any[];

  it('creates, reads, replaces, patches and deletes a user', async () => {
    const created = await scim('POST', '/Users', {
      schemas: [USER_SCHEMA],
      userName: 'crud.user@example.com',
      externalId: 'idp-crud-1',
      name: { givenName: 'Crud', familyName: 'User' },
      displayName: 'Crud User',
      emails: [{ value: 'crud.user@example.com', type: 'work', primary: true }],
      roles: [{ value: 'editor' }],
      password: 'crud-user-password',
      active: true,
    });
    expect(created.status).toBe(201);
    expect(created.headers.get('content-type')).toBe('application/scim+json; charset=utf-8');
    const id = created.body.id as string;
    expect(id).toMatch(/^usr_/);
    expect(created.body).toEqual({
      schemas: [USER_SCHEMA],
      id,
      externalId: 'idp-crud-1',
      userName: 'crud.user@example.com',
      name: { formatted: 'Crud User', givenName: 'Crud', familyName: 'User' },
      displayName: 'Crud User',
      active: true,
      emails: [{ value: 'crud.user@example.com', type: 'work', primary: true }],
      roles: [{ value: 'editor', primary: true }],
      meta: {
        resourceType: 'User',
        created: expect.any(String),
        lastModified: expect.any(String),
        location: `${t.url}/scim/v2/Users/${id}`,
        version: expect.stringMatching(/^W\/"\d+"$/),
      },
    });
    expect(created.headers.get('location')).toBe(`${t.url}/scim/v2/Users/${id}`);
    expect(created.headers.get('etag')).toBe(created.body.meta.version);
    expect(JSON.stringify(created.body)).not.toContain('crud-user-password');
    // The password works for a real login, and the admin API sees the same user.
    expect((await t.login('crud.user@example.com', 'crud-user-password')).status).toBe(200);
    expect((await t.api('GET', `/v1/users/${id}`)).body).toMatchObject({
      username: 'crud.user@example.com',
      email: 'crud.user@example.com',
      roles: ['editor'],
    });

    const read = await scim('GET', `/Users/${id}`);
    expect(read.status).toBe(200);
    expect(read.body).toEqual(created.body);

    // PUT: what the body asserts is replaced; attributes left out (roles) keep their value.
    const replaced = await scim('PUT', `/Users/${id}`, {
      schemas: [USER_SCHEMA],
      id,
      userName: 'crud.user@example.com',
      name: { givenName: 'Crudella', familyName: 'User' },
      emails: [{ value: 'crudella@example.com', type: 'work', primary: true }],
      displayName: null,
      active: true,
    });
    expect(replaced.status).toBe(200);
    expect(replaced.body.name).toEqual({
      formatted: 'Crudella User',
      givenName: 'Crudella',
      familyName: 'User',
    });
    expect(replaced.body.emails).toEqual([{ value: 'crudella@example.com', type: 'work', primary: true }]);
    expect(replaced.body).not.toHaveProperty('displayName');
    expect(replaced.body.roles).toEqual([{ value: 'editor', primary: true }]);
    expect(replaced.body.externalId).toBe('idp-crud-1');

    const patched = await scim(
      'PATCH',
      `/Users/${id}`,
      patchOp(
        { op: 'add', path: 'roles', value: [{ value: 'reviewer' }] },
        { op: 'replace', path: 'displayName', value: 'Crudella' },
        { op: 'remove', path: 'name.familyName' },
      ),
    );
    expect(patched.status).toBe(200);
    expect(patched.body.roles).toEqual([{ value: 'editor' }, { value: 'reviewer' }]);
    expect(patched.body.displayName).toBe('Crudella');
    expect(patched.body.name).toEqual({ formatted: 'Crudella', givenName: 'Crudella' });

    const deleted = await scim('DELETE', `/Users/${id}`);
    expect(deleted.status).toBe(204);
    expect(deleted.body).toBeNull();
    const gone = await scim('GET', `/Users/${id}`);
    expect(gone.status).toBe(404);
    expect(gone.body).toEqual({ schemas: [ERROR_SCHEMA], status: '404', detail: 'No user with that id.' });
    expect((await scim('DELETE', `/Users/${id}`)).status).toBe(404);
    expect((await t.login('crud.user@example.com', 'crud-user-password')).status).toBe(401);

    // Every change is in the audit trail, by the SCIM client.
    const events = (await auditFor(id)).filter((event) => !event.action.startsWith('login.'));
    expect(events.map((event) => event.action)).toEqual([
      'user.created',
      'user.updated',
      'user.updated',
      'user.revoked',
      'user.deleted',
    ]);
    for (const event of events) expect(event.actor).toEqual({ type: 'scim', id: scimKey.id });
    expect(events[1].details.changed).toEqual(['email', 'display_name', 'given_name']);
    expect(events[3].reason).toBe('offboarding');
    expect(JSON.stringify(events)).not.toContain('crud-user-password');
  });

  it('answers 409 uniqueness for a taken userName and changes nothing', async () => {
    const body = { schemas: [USER_SCHEMA], userName: 'dup.user', password: 'dup-user-password' };
    expect((await scim('POST', '/Users', body)).status).toBe(201);
    const again = await scim('POST', '/Users', { ...body, externalId: 'other' });
    expect(again.status).toBe(409);
    expect(again.body).toEqual({
      schemas: [ERROR_SCHEMA],
      status: '409',
      scimType: 'uniqueness',
      detail: 'A user with this userName already exists.',
    });
    const found = await scim('GET', `/Users?${filterQuery('userName eq "dup.user"')}`);
    expect(found.body.totalResults).toBe(1);
    expect(found.body.Resources[0]).not.toHaveProperty('externalId');
  });

  it('renames a user (an IdP-side UPN change), keeps the id and sessions, and refuses a taken name', async () => {
    const created = await scim('POST', '/Users', {
      schemas: [USER_SCHEMA],
      userName: 'old.upn',
      password: 'rename-password-1',
    });
    const id = created.body.id as string;
    const session = await t.login('old.upn', 'rename-password-1');
    expect(session.status).toBe(200);
    const renamed = await scim(
      'PATCH',
      `/Users/${id}`,
      patchOp({ op: 'Replace', path: 'userName', value: 'new.upn' }),
    );
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ id, userName: 'new.upn' });
    expect((await t.login('new.upn', 'rename-password-1')).status).toBe(200);
    expect((await t.login('old.upn', 'rename-password-1')).status).toBe(401);
    // Tokens carry the user id, so a rename revokes nothing.
    expect((await t.api('GET', `/v1/users/${id}/sessions`)).body.sessions[0].status).toBe('active');
    const audit = await t.api('GET', `/v1/audit?action=user.updated&target=user:${id}`);
    expect(audit.body.events.at(-1).details.changed).toContain('user_name');

    await scim('POST', '/Users', { schemas: [USER_SCHEMA], userName: 'taken.upn' });
    const clash = await scim('PUT', `/Users/${id}`, { schemas: [USER_SCHEMA], userName: 'taken.upn' });
    expect(clash.status).toBe(409);
    expect(clash.body).toMatchObject({ schemas: [ERROR_SCHEMA], status: '409', scimType: 'uniqueness' });
    expect((await scim('GET', `/Users/${id}`)).body.userName).toBe('new.upn');
  });

  it("refuses the canary's reserved username in any case, on create and on rename, before the canary ever ran", async () => {
    // No cycle has run on this server: no cutoff-canary account exists to make the name "taken".
    const reserved = {
      schemas: [ERROR_SCHEMA],
      status: '409',
      scimType: 'uniqueness',
      detail: 'The username cutoff-canary is reserved for the canary.',
    };
    const created = await scim('POST', '/Users', { schemas: [USER_SCHEMA], userName: 'Cutoff-Canary' });
    expect(created.status).toBe(409);
    expect(created.body).toEqual(reserved);
    const none = await scim('GET', `/Users?${filterQuery('userName eq "cutoff-canary"')}`);
    expect(none.body.totalResults).toBe(0);

    const user = await scim('POST', '/Users', {
      schemas: [USER_SCHEMA],
      userName: 'would.be.canary',
      password: 'would-be-canary-1',
    });
    const id = user.body.id as string;
    const patched = await scim(
      'PATCH',
      `/Users/${id}`,
      patchOp({ op: 'Replace', path: 'userName', value: 'cutoff-canary' }),
    );
    expect(patched.status).toBe(409);
    expect(patched.body).toEqual(reserved);
    const replaced = await scim('PUT', `/Users/${id}`, { schemas: [USER_SCHEMA], userName: 'CUTOFF-CANARY' });
    expect(replaced.status).toBe(409);
    expect(replaced.body).toEqual(reserved);
    expect((await scim('GET', `/Users/${id}`)).body.userName).toBe('would.be.canary');

    // The admin API: creating it is refused the same way; PATCH /v1/users sets no username at all.
    const posted = await t.api('POST', '/v1/users', {
      username: 'cutoff-CANARY',
      password: 'a-long-password-1',
    });
    expect(posted.status).toBe(409);
    expect(posted.body).toMatchObject({
      code: 'ERR_CONFLICT',
      message: 'The username cutoff-canary is reserved for the canary.',
    });
    const renamed = await t.api('PATCH', `/v1/users/${id}`, { username: 'cutoff-canary' });
    expect(renamed.status).toBe(400);
    expect((await t.api('GET', `/v1/users/${id}`)).body.username).toBe('would.be.canary');
    expect((await t.api('GET', '/v1/users?username=cutoff-canary')).body.users).toEqual([]);
  });

  it('rejects bad input with RFC 7644 errors, never a 500, and changes nothing', async () => {
    const user = await scim('POST', '/Users', { userName: 'bad.input', roles: [{ value: 'keep' }] });
    const id = user.body.id as string;
    const cases: [string, string, unknown, number, string | undefined][] = [
      ['POST', '/Users', '{"userName": ', 400, 'invalidSyntax'],
      ['POST', '/Users', '[1,2]', 400, 'invalidSyntax'],
      ['POST', '/Users', '"text"', 400, 'invalidSyntax'],
      ['POST', '/Users', {}, 400, 'invalidValue'],
      ['POST', '/Users', { userName: 42 }, 400, 'invalidValue'],
      ['POST', '/Users', { userName: 'has space' }, 400, 'invalidValue'],
      ['POST', '/Users', { userName: 'x'.repeat(200) }, 400, 'invalidValue'],
      ['POST', '/Users', { userName: 'ok.name', roles: [{ value: 'not a role' }] }, 400, 'invalidValue'],
      ['POST', '/Users', { userName: 'ok.name', roles: 'admin' }, 400, 'invalidValue'],
      ['POST', '/Users', { userName: 'ok.name', emails: [{ value: 'not-an-email' }] }, 400, 'invalidValue'],
      ['POST', '/Users', { userName: 'ok.name', emails: 'a@b.c' }, 400, 'invalidValue'],
      ['POST', '/Users', { userName: 'ok.name', active: 'maybe' }, 400, 'invalidValue'],
      ['POST', '/Users', { userName: 'ok.name', password: 'short' }, 400, 'invalidValue'],
      ['POST', '/Users', { userName: 'ok.name', password: '😀🔑🦊🎲' }, 400, 'invalidValue'],
      ['POST', '/Users', { userName: 'ok.name', name: 'Alice' }, 400, 'invalidValue'],
      ['POST', '/Users', { userName: 'ok.name', displayName: { a: 1 } }, 400, 'invalidValue'],
      ['PUT', `/Users/${id}`, { userName: 'bad.input', roles: [{ value: 'a b' }] }, 400, 'invalidValue'],
      ['PATCH', `/Users/${id}`, { Operations: 'nope' }, 400, 'invalidSyntax'],
      ['PATCH', `/Users/${id}`, patchOp({ op: 'explode', path: 'active' }), 400, 'invalidSyntax'],
      ['PATCH', `/Users/${id}`, patchOp({ op: 'remove' }), 400, 'noTarget'],
      [
        'PATCH',
        `/Users/${id}`,
        patchOp({ op: 'replace', path: 'emails[type eq', value: 'x' }),
        400,
        'invalidPath',
      ],
      ['PATCH', `/Users/${id}`, patchOp({ op: 'replace', path: 'id', value: 'usr_x' }), 400, 'mutability'],
      ['PATCH', `/Users/${id}`, patchOp({ op: 'remove', path: 'userName' }), 400, 'invalidValue'],
      // The second operation is invalid: the first is not applied either.
      [
        'PATCH',
        `/Users/${id}`,
        patchOp(
          { op: 'replace', path: 'roles', value: [] },
          { op: 'replace', path: 'active', value: 'sometimes' },
        ),
        400,
        'invalidValue',
      ],
      ['GET', `/Users?${filterQuery('userName eq')}`, undefined, 400, 'invalidFilter'],
      ['GET', `/Users?${filterQuery('nosuch pr')}`, undefined, 400, 'invalidFilter'],
      ['GET', '/Users?count=lots', undefined, 400, 'invalidValue'],
      ['GET', '/Users?sortBy=nosuch', undefined, 400, 'invalidValue'],
      ['GET', `/Users?filter=${'x'.repeat(5000)}`, undefined, 400, 'invalidFilter'],
      ['GET', '/Users/usr_nope', undefined, 404, undefined],
      ['PUT', '/Users/usr_nope', { userName: 'nobody' }, 404, undefined],
      ['PATCH', '/Users/usr_nope', patchOp({ op: 'replace', value: { active: false } }), 404, undefined],
      ['DELETE', '/Users/usr_nope', undefined, 404, undefined],
    ];
    for (const [method, path, body, status, scimType] of cases) {
      const response = await scim(method, path, body);
      expect({ method, path, body, status: response.status }).toEqual({ method, path, body, status });
      expect(response.headers.get('content-type')).toBe('application/scim+json; charset=utf-8');
      expect(response.body.schemas).toEqual([ERROR_SCHEMA]);
      expect(response.body.status).toBe(String(status));
      expect(response.body.scimType).toBe(scimType);
      expect(typeof response.body.detail).toBe('string');
    }
    const after = await scim('GET', `/Users/${id}`);
    expect(after.body.roles).toEqual([{ value: 'keep', primary: true }]);
    expect(after.body.meta.version).toBe(user.body.meta.version);
    expect(t.logs.join('\n')).not.toContain('"level":50');
  });

  it('requires a bearer API key with the scim (or admin) scope', async () => {
    const none = await scimClient(t, null)('GET', '/Users');
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(none.body).toMatchObject({ schemas: [ERROR_SCHEMA], status: '401' });
    expect((await scimClient(t, 'cutoff_ak_not-a-real-key')('GET', '/Users')).status).toBe(401);
    expect(
      (await scimClient(t, 'cutoff_ak_not-a-real-key')('POST', '/Users', { userName: 'x' })).status,
    ).toBe(401);
    const feedOnly = await createKey(t, ['feed:read']);
    const forbidden = await scimClient(t, feedOnly.key)('GET', '/ServiceProviderConfig');
    expect(forbidden.status).toBe(403);
    expect(forbidden.body).toMatchObject({ schemas: [ERROR_SCHEMA], status: '403' });
    expect((await scimClient(t, null)('GET', '/Schemas')).status).toBe(401);
    // The admin key works too, and is recorded as the actor `scim:admin`.
    const byAdmin = await scimClient(t)('POST', '/Users', { userName: 'made.by.admin' });
    expect(byAdmin.status).toBe(201);
    const [created] = await auditFor(byAdmin.body.id);
    expect(created.actor).toEqual({ type: 'scim', id: 'admin' });
  });

  it('filters users, with indexed and in-memory filters', async () => {
    const make = async (userName: string, extra: Record<string, unknown> = {}) =>
      (await scim('POST', '/Users', { userName, ...extra })).body.id as string;
    await make('flt.ann@example.com', {
      externalId: 'flt-ext-1',
      emails: [{ value: 'ann@example.com', type: 'work' }],
      name: { givenName: 'Ann', familyName: 'Zed' },
    });
    await make('flt.ben@example.org', {
      emails: [
        { value: 'ben@example.org', type: 'work' },
        { value: 'ben@home.example.com', type: 'home' },
      ],
      active: false,
    });
    await make('flt.cy', { displayName: 'Cy', roles: [{ value: 'auditor' }] });
    const names = async (filter: string): Promise<string[]> => {
      const response = await scim('GET', `/Users?${filterQuery(filter)}&count=200`);
      expect(response.status).toBe(200);
      return (response.body.Resources as any[])
        .map((user) => user.userName as string)
        .filter((name) => name.startsWith('flt.'))
        .sort();
    };
    expect(await names('userName eq "flt.cy"')).toEqual(['flt.cy']);
    expect(await names('externalId eq "flt-ext-1"')).toEqual(['flt.ann@example.com']);
    expect(await names('userName eq "flt.cy" or externalId eq "flt-ext-1"')).toEqual([
      'flt.ann@example.com',
      'flt.cy',
    ]);
    expect(await names('userName sw "flt." and active eq false')).toEqual(['flt.ben@example.org']);
    expect(await names('emails[type eq "work" and value co "@example.com"]')).toEqual([
      'flt.ann@example.com',
    ]);
    expect(await names('emails[type eq "work"].value eq "ben@example.org"')).toEqual(['flt.ben@example.org']);
    expect(await names('userName sw "flt." and not (emails pr)')).toEqual(['flt.cy']);
    // userName is caseExact false (RFC 7643): "FLT." and "flt." find the same users.
    expect(await names('(roles eq "auditor" or name.familyName eq "zed") and userName sw "FLT."')).toEqual([
      'flt.ann@example.com',
      'flt.cy',
    ]);
    expect(await names('(roles eq "auditor" or name.familyName eq "zed") and userName sw "flt."')).toEqual([
      'flt.ann@example.com',
      'flt.cy',
    ]);
    expect(await names('meta.created gt "2000-01-01T00:00:00Z" and userName ew ".org"')).toEqual([
      'flt.ben@example.org',
    ]);
    expect(await names('userName eq "nobody"')).toEqual([]);
    const empty = await scim('GET', `/Users?${filterQuery('userName eq "nobody"')}`);
    expect(empty.body).toEqual({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'],
      totalResults: 0,
      startIndex: 1,
      itemsPerPage: 0,
      Resources: [],
    });
    const search = await scim('POST', '/Users/.search', {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'],
      filter: 'userName sw "flt."',
      attributes: ['userName'],
      sortBy: 'userName',
      sortOrder: 'descending',
    });
    expect(search.status).toBe(200);
    expect(search.body.Resources.map((user: any) => user.userName)).toEqual([
      'flt.cy',
      'flt.ben@example.org',
      'flt.ann@example.com',
    ]);
    expect(Object.keys(search.body.Resources[0]).sort()).toEqual(['id', 'schemas', 'userName']);
  });

  it('pages 1-based with startIndex and count, and sorts', async () => {
    for (let index = 1; index <= 7; index += 1) {
      expect((await scim('POST', '/Users', { userName: `page.${index}` })).status).toBe(201);
    }
    const page = async (query: string) =>
      (await scim('GET', `/Users?${filterQuery('userName sw "page."')}&sortBy=userName&${query}`)).body;
    const first = await page('startIndex=1&count=3');
    expect(first).toMatchObject({ totalResults: 7, startIndex: 1, itemsPerPage: 3 });
    expect(first.Resources.map((user: any) => user.userName)).toEqual(['page.1', 'page.2', 'page.3']);
    const last = await page('startIndex=7&count=3');
    expect(last).toMatchObject({ totalResults: 7, startIndex: 7, itemsPerPage: 1 });
    expect(last.Resources[0].userName).toBe('page.7');
    expect(await page('startIndex=20&count=3')).toMatchObject({
      totalResults: 7,
      itemsPerPage: 0,
      Resources: [],
    });
    expect(await page('count=0')).toMatchObject({ totalResults: 7, itemsPerPage: 0 });
    expect((await page('startIndex=-3&count=1')).Resources[0].userName).toBe('page.1');
    const descending = await page('sortOrder=descending&count=2');
    expect(descending.Resources.map((user: any) => user.userName)).toEqual(['page.7', 'page.6']);

    // Without a filter: every user, straight from the store, paged the same way.
    const all = (await scim('GET', '/Users?count=200')).body;
    expect(all.totalResults).toBe(all.Resources.length);
    const pages: string[] = [];
    for (let start = 1; start <= all.totalResults; start += 4) {
      const chunk = (await scim('GET', `/Users?startIndex=${start}&count=4`)).body;
      expect(chunk.totalResults).toBe(all.totalResults);
      pages.push(...chunk.Resources.map((user: any) => user.id as string));
    }
    expect(pages).toEqual(all.Resources.map((user: any) => user.id));
  });

  it('projects attributes and excludedAttributes', async () => {
    const created = await scim('POST', '/Users', {
      userName: 'proj.user',
      name: { givenName: 'Pro', familyName: 'Jection' },
      emails: [{ value: 'proj@example.com' }],
    });
    const id = created.body.id as string;
    const only = await scim('GET', `/Users/${id}?attributes=userName,name.givenName`);
    expect(only.body).toEqual({
      schemas: [USER_SCHEMA],
      id,
      userName: 'proj.user',
      name: { givenName: 'Pro' },
    });
    expect(only.headers.get('etag')).toBe(created.body.meta.version);
    const without = await scim('GET', `/Users/${id}?excludedAttributes=emails,meta,name`);
    expect(Object.keys(without.body).sort()).toEqual(['active', 'id', 'schemas', 'userName']);
    const listed = await scim(
      'GET',
      `/Users?${filterQuery('userName eq "proj.user"')}&attributes=emails.value`,
    );
    expect(listed.body.Resources).toEqual([
      { schemas: [USER_SCHEMA], id, emails: [{ value: 'proj@example.com' }] },
    ]);
  });

  it('honours If-Match (412 on a stale version) and accepts plain application/json', async () => {
    const created = await scim('POST', '/Users', { userName: 'etag.user' });
    const id = created.body.id as string;
    const version = created.body.meta.version as string;
    const stale = await scim(
      'PATCH',
      `/Users/${id}`,
      patchOp({ op: 'replace', value: { displayName: 'A' } }),
      {
        'if-match': 'W/"1"',
      },
    );
    expect(stale.status).toBe(412);
    expect(stale.body).toMatchObject({ schemas: [ERROR_SCHEMA], status: '412' });
    const fresh = await scim(
      'PATCH',
      `/Users/${id}`,
      patchOp({ op: 'replace', value: { displayName: 'B' } }),
      {
        'if-match': version,
      },
    );
    expect(fresh.status).toBe(200);
    expect(fresh.body.meta.version).not.toBe(version);
    expect((await scim('DELETE', `/Users/${id}`, undefined, { 'if-match': version })).status).toBe(412);
    const json = await fetch(`${t.url}/scim/v2/Users/${id}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${scimKey.key}`, 'content-type': 'application/json' },
      body: JSON.stringify(patchOp({ op: 'replace', path: 'displayName', value: 'C' })),
    });
    expect(json.status).toBe(200);
    expect(json.headers.get('content-type')).toBe('application/scim+json; charset=utf-8');
    expect(((await json.json()) as any).displayName).toBe('C');
    // An identity provider may send a content type with DELETE and no body.
    const deleted = await scim('DELETE', `/Users/${id}`, undefined, {
      'content-type': 'application/scim+json',
    });
    expect(deleted.status).toBe(204);
  });

  it('tolerates the enterprise extension and attributes Cutoff does not store', async () => {
    const created = await scim('POST', '/Users', {
      schemas: [USER_SCHEMA, ENTERPRISE_USER],
      userName: 'ext.user@contoso.com',
      title: 'Engineer',
      phoneNumbers: [{ value: '+1 555 0100', type: 'work' }],
      addresses: [{ type: 'work', locality: 'Redmond' }],
      [ENTERPRISE_USER]: { employeeNumber: '42', department: 'R&D', manager: { value: 'mgr-1' } },
    });
    expect(created.status).toBe(201);
    const patched = await scim(
      'PATCH',
      `/Users/${created.body.id}`,
      patchOp(
        { op: 'Add', path: `${ENTERPRISE_USER}:department`, value: 'Sales' },
        { op: 'Replace', path: 'phoneNumbers[type eq "mobile"].value', value: '+1 555 0199' },
        { op: 'Add', path: 'title', value: 'Lead' },
      ),
    );
    expect(patched.status).toBe(200);
    expect(patched.body).not.toHaveProperty(ENTERPRISE_USER);
    expect(patched.body).not.toHaveProperty('title');
  });

  it('publishes ServiceProviderConfig, ResourceTypes and Schemas', async () => {
    const config = await scim('GET', '/ServiceProviderConfig');
    expect(config.status).toBe(200);
    expect(config.body).toMatchObject({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig'],
      patch: { supported: true },
      bulk: { supported: false },
      filter: { supported: true, maxResults: 200 },
      sort: { supported: true },
      etag: { supported: true },
      authenticationSchemes: [expect.objectContaining({ type: 'oauthbearertoken' })],
    });
    const types = await scim('GET', '/ResourceTypes');
    expect(types.body.Resources.map((type: any) => [type.name, type.endpoint, type.schema])).toEqual([
      ['User', '/Users', USER_SCHEMA],
      ['Group', '/Groups', 'urn:ietf:params:scim:schemas:core:2.0:Group'],
    ]);
    expect((await scim('GET', '/ResourceTypes/Group')).body.endpoint).toBe('/Groups');
    expect((await scim('GET', '/ResourceTypes/Nope')).status).toBe(404);
    const schemas = await scim('GET', '/Schemas');
    expect(schemas.body.totalResults).toBe(2);
    const user = await scim('GET', `/Schemas/${USER_SCHEMA}`);
    const attribute = (name: string) =>
      user.body.attributes.find((candidate: any) => candidate.name === name);
    expect(attribute('userName')).toMatchObject({ type: 'string', required: true, uniqueness: 'server' });
    expect(attribute('password')).toMatchObject({ mutability: 'writeOnly', returned: 'never' });
    expect(attribute('groups')).toMatchObject({ multiValued: true, mutability: 'readOnly' });
    expect(attribute('emails').subAttributes.map((sub: any) => sub.name)).toEqual([
      'value',
      'type',
      'primary',
      'display',
    ]);
    expect((await scim('GET', '/Schemas/urn:nope')).status).toBe(404);
    expect((await scim('GET', '/Bulk')).status).toBe(404);
  });
});
