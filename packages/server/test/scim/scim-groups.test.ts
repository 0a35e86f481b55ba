import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresTestsSkipped, type TestBackend } from '../support/stores.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import {
  createKey,
  ERROR_SCHEMA,
  filterQuery,
  GROUP_SCHEMA,
  patchOp,
  scimClient,
  type ScimCall,
} from './scim-client.js';

const backends: TestBackend[] = postgresTestsSkipped() ? ['sqlite'] : ['sqlite', 'postgres'];

// Group changes rename, re-member and revoke in one transaction: checked on both stores.
describe.each(backends)('SCIM /Groups (%s)', (backend) => {
  let t: TestServer;
  let scim: ScimCall;
  let scimKey: { id: string; key: string };

  beforeAll(async () => {
    t = await startTestServer({ backend });
    scimKey = await createKey(t, ['scim']);
    scim = scimClient(t, scimKey.key);
  });
  afterAll(() => t.close());

  const newUser = async (userName: string): Promise<string> => {
    const response = await scim('POST', '/Users', { userName });
    expect(response.status).toBe(201);
    return response.body.id as string;
  };
  const groupsOf = async (id: string): Promise<string[]> =>
    (await t.api('GET', `/v1/users/${id}`)).body.groups;
  const feedAfter = async (seq: number) => (await t.api('GET', `/v1/revocations?after=${seq}`)).body;

  it('creates, reads, renames, changes members of and deletes a group', async () => {
    const ann = await newUser('grp.ann');
    const ben = await newUser('grp.ben');
    const created = await scim('POST', '/Groups', {
      schemas: [GROUP_SCHEMA],
      displayName: 'Project Falcon',
      externalId: 'idp-group-1',
      members: [{ value: ann, display: 'grp.ann' }],
    });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    expect(id).toMatch(/^grp_/);
    expect(created.body).toEqual({
      schemas: [GROUP_SCHEMA],
      id,
      externalId: 'idp-group-1',
      displayName: 'Project Falcon',
      members: [{ value: ann, $ref: `${t.url}/scim/v2/Users/${ann}`, display: 'grp.ann', type: 'User' }],
      meta: {
        resourceType: 'Group',
        created: expect.any(String),
        lastModified: expect.any(String),
        location: `${t.url}/scim/v2/Groups/${id}`,
        version: expect.stringMatching(/^W\/"\d+"$/),
      },
    });
    // Membership is the group name tokens carry; the user resource shows the group read-only.
    expect(await groupsOf(ann)).toEqual(['Project-Falcon']);
    expect((await scim('GET', `/Users/${ann}`)).body.groups).toEqual([
      { value: id, $ref: `${t.url}/scim/v2/Groups/${id}`, display: 'Project Falcon', type: 'direct' },
    ]);
    expect((await scim('GET', `/Groups/${id}`)).body).toEqual(created.body);
    expect(Object.keys((await scim('GET', `/Groups/${id}?excludedAttributes=members`)).body)).not.toContain(
      'members',
    );

    // Okta-style rename (the id echoed in the value is ignored): every member follows.
    const renamed = await scim(
      'PATCH',
      `/Groups/${id}`,
      patchOp({ op: 'replace', value: { id, displayName: 'Falcon Core' } }),
    );
    expect(renamed.status).toBe(200);
    expect(renamed.body.displayName).toBe('Falcon Core');
    expect(await groupsOf(ann)).toEqual(['Falcon-Core']);

    // PUT replaces the membership: ben in, ann out (and cut off).
    const head = (await feedAfter(0)).head as number;
    const replaced = await scim('PUT', `/Groups/${id}`, {
      schemas: [GROUP_SCHEMA],
      displayName: 'Falcon Core',
      members: [{ value: ben }],
    });
    expect(replaced.status).toBe(200);
    expect(replaced.body.members.map((member: any) => member.value)).toEqual([ben]);
    expect(replaced.body.externalId).toBe('idp-group-1');
    expect(await groupsOf(ann)).toEqual([]);
    expect(await groupsOf(ben)).toEqual(['Falcon-Core']);
    const entries = (await feedAfter(head)).entries as any[];
    expect(entries.map((entry) => [entry.kind, entry.key, entry.reason])).toEqual([
      ['user', ann, 'role_change'],
    ]);

    const deleted = await scim('DELETE', `/Groups/${id}`);
    expect(deleted.status).toBe(204);
    expect((await scim('GET', `/Groups/${id}`)).status).toBe(404);
    expect(await groupsOf(ben)).toEqual([]);
    const afterDelete = (await feedAfter(head + 1)).entries as any[];
    expect(afterDelete.map((entry) => [entry.kind, entry.key, entry.reason])).toEqual([
      ['group', 'Falcon-Core', 'role_change'],
    ]);

    const events = (await t.api('GET', `/v1/audit?actor=${scimKey.id}&limit=200`)).body.events as any[];
    const groupEvents = events.filter((event) => event.action.startsWith('group.'));
    expect(groupEvents.map((event) => [event.action, event.target.id])).toEqual([
      ['group.created', 'Project-Falcon'],
      ['group.updated', 'Falcon-Core'],
      ['group.updated', 'Falcon-Core'],
      ['group.revoked', 'Falcon-Core'],
      ['group.deleted', 'Falcon-Core'],
    ]);
    for (const event of groupEvents) expect(event.actor).toEqual({ type: 'scim', id: scimKey.id });
    expect(groupEvents[1].details).toMatchObject({
      renamed_from: 'Project-Falcon',
      changed: ['name', 'display_name'],
    });
    expect(groupEvents[2].details).toMatchObject({ members_added: [ben], members_removed: [ann] });
  });

  it('adds and removes members with PATCH, and lists and filters groups', async () => {
    const [a, b, c] = [await newUser('mem.a'), await newUser('mem.b'), await newUser('mem.c')];
    const group = (await scim('POST', '/Groups', { displayName: 'members-patch' })).body;
    const members = async () =>
      ((await scim('GET', `/Groups/${group.id}`)).body.members ?? [])
        .map((member: any) => member.value)
        .sort();
    const patch = async (...operations: unknown[]) => {
      const response = await scim('PATCH', `/Groups/${group.id}`, patchOp(...operations));
      expect(response.status).toBe(200);
      return response;
    };
    await patch({ op: 'add', path: 'members', value: [{ value: a }, { value: b }, { value: c }] });
    expect(await members()).toEqual([a, b, c].sort());
    await patch({ op: 'add', path: 'members', value: [{ value: a }] });
    expect(await members()).toEqual([a, b, c].sort());
    await patch({ op: 'remove', path: `members[value eq "${a}"]` });
    await patch({ op: 'Remove', path: 'members', value: [{ value: b }] });
    expect(await members()).toEqual([c]);
    // Removing someone who is not a member changes nothing.
    await patch({ op: 'remove', path: `members[value eq "${a}"]` });
    await patch({ op: 'remove', path: 'members' });
    expect(await members()).toEqual([]);

    const byName = await scim(
      'GET',
      `/Groups?${filterQuery('displayName eq "MEMBERS-PATCH"')}&excludedAttributes=members`,
    );
    expect(byName.body.totalResults).toBe(1);
    expect(byName.body.Resources[0]).toMatchObject({ id: group.id, displayName: 'members-patch' });
    expect(byName.body.Resources[0]).not.toHaveProperty('members');
    await patch({ op: 'add', path: 'members', value: [{ value: c }] });
    const byMember = await scim('GET', `/Groups?${filterQuery(`members[value eq "${c}"]`)}`);
    expect(byMember.body.Resources.map((found: any) => found.id)).toEqual([group.id]);
    const byExternal = await scim('GET', `/Groups?${filterQuery('externalId eq "none"')}`);
    expect(byExternal.body.totalResults).toBe(0);
    const all = await scim('GET', '/Groups?count=1&startIndex=1');
    expect(all.body.itemsPerPage).toBe(1);
    expect(all.body.totalResults).toBeGreaterThanOrEqual(1);
  });

  it('rejects duplicates, unknown members, nested groups and bad input without changing anything', async () => {
    const member = await newUser('rej.member');
    const group = (await scim('POST', '/Groups', { displayName: 'Rejects', members: [{ value: member }] }))
      .body;
    const cases: [string, string, unknown, number, string | undefined][] = [
      ['POST', '/Groups', { displayName: 'Rejects' }, 409, 'uniqueness'],
      ['POST', '/Groups', { displayName: '' }, 400, 'invalidValue'],
      ['POST', '/Groups', { displayName: '%%%' }, 400, 'invalidValue'],
      ['POST', '/Groups', { displayName: 'Fresh', members: [{ value: 'usr_ghost' }] }, 400, 'invalidValue'],
      [
        'POST',
        '/Groups',
        { displayName: 'Fresh', members: [{ value: group.id, type: 'Group' }] },
        400,
        'invalidValue',
      ],
      ['POST', '/Groups', { displayName: 'Fresh', members: 'everyone' }, 400, 'invalidValue'],
      [
        'PATCH',
        `/Groups/${group.id}`,
        patchOp({ op: 'add', path: 'members', value: [{ value: 'usr_ghost' }] }),
        400,
        'invalidValue',
      ],
      [
        'PATCH',
        `/Groups/${group.id}`,
        patchOp({ op: 'remove', path: 'members[value eq ]' }),
        400,
        'invalidPath',
      ],
      [
        'PATCH',
        `/Groups/${group.id}`,
        patchOp({ op: 'replace', path: 'displayName', value: 7 }),
        400,
        'invalidValue',
      ],
      ['PUT', `/Groups/${group.id}`, { members: [] }, 400, 'invalidValue'],
      ['GET', `/Groups?${filterQuery('members[value eq "x"')}`, undefined, 400, 'invalidFilter'],
      ['GET', `/Groups?${filterQuery('userName eq "x"')}`, undefined, 400, 'invalidFilter'],
      ['GET', '/Groups/grp_nope', undefined, 404, undefined],
      ['PATCH', '/Groups/grp_nope', patchOp({ op: 'remove', path: 'members' }), 404, undefined],
      ['DELETE', '/Groups/grp_nope', undefined, 404, undefined],
    ];
    for (const [method, path, body, status, scimType] of cases) {
      const response = await scim(method, path, body);
      expect({ method, path, status: response.status }).toEqual({ method, path, status });
      expect(response.body).toMatchObject({ schemas: [ERROR_SCHEMA], status: String(status) });
      expect(response.body.scimType).toBe(scimType);
    }
    const other = (await scim('POST', '/Groups', { displayName: 'Other' })).body;
    const clash = await scim(
      'PATCH',
      `/Groups/${other.id}`,
      patchOp({ op: 'replace', path: 'displayName', value: 'Rejects' }),
    );
    expect(clash.status).toBe(409);
    expect(clash.body.scimType).toBe('uniqueness');
    expect((await scim('GET', `/Groups/${group.id}`)).body.members.map((entry: any) => entry.value)).toEqual([
      member,
    ]);
    expect((await scim('GET', `/Groups?${filterQuery('displayName eq "Fresh"')}`)).body.totalResults).toBe(0);
  });
});
