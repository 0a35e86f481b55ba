import { describe, expect, it } from 'vitest';
import { compileFilter } from '../../src/domain/scim/filter-evaluator.js';
import { parseFilter } from '../../src/domain/scim/filter-parser.js';
import { groupNameFor } from '../../src/domain/scim/group-name.js';
import { parseListQuery, sortComparator } from '../../src/domain/scim/list-query.js';
import { applyPatch, parsePatchRequest } from '../../src/domain/scim/patch.js';
import { parseAttributeList, project } from '../../src/domain/scim/projection.js';
import { GROUP_RESOURCE, USER_RESOURCE } from '../../src/domain/scim/resource-schemas.js';
import { ScimError } from '../../src/domain/scim/scim-error.js';

const alice = {
  schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
  id: 'usr_Alice',
  externalId: 'ext-ALICE',
  userName: 'alice@example.com',
  name: { formatted: 'Alice Liddell', givenName: 'Alice', familyName: 'Liddell' },
  displayName: 'Alice L.',
  active: true,
  emails: [
    { value: 'alice@example.com', type: 'work', primary: true },
    { value: 'alice@home.org', type: 'home' },
  ],
  roles: [{ value: 'admin' }, { value: 'viewer' }],
  meta: {
    resourceType: 'User',
    created: '2024-01-10T10:00:00.000Z',
    lastModified: '2024-03-01T12:00:00.000Z',
    location: 'https://cutoff.example/scim/v2/Users/usr_Alice',
    version: 'W/"1709294400000"',
  },
};
const bob = {
  schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
  id: 'usr_Bob',
  userName: 'bob',
  active: false,
  emails: [{ value: 'bob@contractor.io', type: 'work' }],
  meta: {
    resourceType: 'User',
    created: '2024-02-10T10:00:00.000Z',
    lastModified: '2024-02-11T12:00:00.000Z',
    location: 'https://cutoff.example/scim/v2/Users/usr_Bob',
    version: 'W/"1"',
  },
};

const matching = (filter: string): string[] => {
  const predicate = compileFilter(parseFilter(filter), USER_RESOURCE, { lenient: false });
  return [alice, bob].filter((user) => predicate(user)).map((user) => user.userName);
};

const scimError = (work: () => unknown): ScimError => {
  try {
    work();
  } catch (error) {
    if (error instanceof ScimError) return error;
    throw error;
  }
  throw new Error('expected a ScimError');
};

describe('SCIM filters', () => {
  it.each([
    // each operator
    ['userName eq "alice@example.com"', ['alice@example.com']],
    ['userName ne "alice@example.com"', ['bob']],
    ['userName co "example"', ['alice@example.com']],
    ['userName sw "bo"', ['bob']],
    ['userName ew ".com"', ['alice@example.com']],
    ['displayName pr', ['alice@example.com']],
    ['meta.created gt "2024-02-01T00:00:00Z"', ['bob']],
    ['meta.created ge "2024-02-10T10:00:00.000Z"', ['bob']],
    ['meta.lastModified lt "2024-02-11T12:00:00Z"', []],
    ['meta.lastModified le "2024-02-11T12:00:00Z"', ['bob']],
    ['userName gt "b"', ['bob']],
    // booleans, incl. the strings Microsoft Entra sends
    ['active eq true', ['alice@example.com']],
    ['active eq "False"', ['bob']],
    // logical operators, precedence and grouping
    ['active eq false or userName sw "al"', ['alice@example.com', 'bob']],
    ['userName sw "a" and active eq false', []],
    ['not (active eq true)', ['bob']],
    ['userName eq "bob" or userName eq "alice@example.com" and active eq false', ['bob']],
    ['(userName eq "bob" or userName eq "alice@example.com") and active eq false', ['bob']],
    ['not (userName eq "bob") and not (displayName pr)', []],
    // multi-valued: any value matches; complex entries compare their value
    ['emails co "contractor"', ['bob']],
    ['emails.value ew "home.org"', ['alice@example.com']],
    ['emails.type eq "home"', ['alice@example.com']],
    ['roles eq "viewer"', ['alice@example.com']],
    ['emails.type ne "home"', ['bob']],
    // value paths
    ['emails[type eq "work" and value co "@example.com"]', ['alice@example.com']],
    ['emails[type eq "work" and value co "@contractor.io"]', ['bob']],
    ['emails[type eq "home"] or userName eq "bob"', ['alice@example.com', 'bob']],
    ['emails[not (type eq "work")]', ['alice@example.com']],
    ['emails[type eq "work"].value eq "bob@contractor.io"', ['bob']],
    ['emails[primary eq true]', ['alice@example.com']],
    // case-insensitive attribute names and operators; case-exact per schema
    ['USERNAME EQ "bob"', ['bob']],
    ['Name.GivenName Eq "ALICE"', ['alice@example.com']],
    ['userName eq "BOB"', ['bob']],
    ['id eq "usr_alice"', []],
    ['id eq "usr_Alice"', ['alice@example.com']],
    ['externalId eq "ext-alice"', []],
    ['urn:ietf:params:scim:schemas:core:2.0:User:userName eq "bob"', ['bob']],
    // null and presence
    ['externalId eq null', ['bob']],
    ['externalId ne null', ['alice@example.com']],
    ['externalId pr and name pr', ['alice@example.com']],
    ['roles pr', ['alice@example.com']],
    ['displayName eq "Alice L.\\u0021"', []],
  ])('%s', (filter, expected) => {
    expect(matching(filter)).toEqual(expected);
  });

  it.each([
    '',
    'userName',
    'userName eq',
    'userName eq bob',
    'userName xx "bob"',
    'userName eq "unterminated',
    '(userName eq "bob"',
    'userName eq "bob")',
    'userName eq "bob" and',
    'and userName eq "bob"',
    'emails[type eq "work"',
    'emails[type[value eq "x"]]',
    'userName eq "bob" userName eq "alice"',
    'nosuchattribute eq "x"',
    'name.nosuch eq "x"',
    'name eq "Alice"',
    'active gt true',
    'active eq 1',
    'meta.created gt "yesterday"',
    'userName eq 12',
    'userName gt null',
    'emails[nosuch eq "x"]',
    'userName.sub.sub eq "x"',
    'urn:ietf:params:scim:schemas:core:2.0:Group:displayName eq "x"',
    'userName eq "bob" ; drop table users',
    '(((((((((((((((((((((((((((((((((((userName pr)))))))))))))))))))))))))))))))))',
    `${'userName pr and '.repeat(300)}userName pr`,
  ])('rejects %j with 400 invalidFilter', (filter) => {
    const error = scimError(() => compileFilter(parseFilter(filter), USER_RESOURCE, { lenient: false }));
    expect(error.status).toBe(400);
    expect(error.scimType).toBe('invalidFilter');
    expect(error.message.length).toBeGreaterThan(0);
  });

  it('filters groups by members value path', () => {
    const group = { id: 'grp_1', displayName: 'Eng', members: [{ value: 'usr_1' }, { value: 'usr_2' }] };
    const predicate = compileFilter(parseFilter('members[value eq "usr_2"]'), GROUP_RESOURCE, {
      lenient: false,
    });
    expect(predicate(group)).toBe(true);
    expect(predicate({ ...group, members: [{ value: 'USR_2' }] })).toBe(false);
    expect(
      compileFilter(parseFilter('displayName eq "eng"'), GROUP_RESOURCE, { lenient: false })(group),
    ).toBe(true);
  });
});

describe('SCIM PATCH', () => {
  const patch = (resource: Record<string, unknown>, operations: unknown[], type = USER_RESOURCE) =>
    applyPatch(
      resource,
      parsePatchRequest({
        schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
        Operations: operations,
      }),
      type,
    );

  it('replaces without a path (Okta) and with a path and string booleans (Entra)', () => {
    expect(patch(alice, [{ op: 'replace', value: { active: false } }]).active).toBe(false);
    expect(patch(alice, [{ op: 'Replace', path: 'active', value: 'False' }]).active).toBe('False');
    const renamed = patch(alice, [
      { op: 'Replace', path: 'name.familyName', value: 'Smith' },
      { op: 'Add', path: 'displayName', value: 'A. Smith' },
    ]);
    expect(renamed.name).toEqual({ formatted: 'Alice Liddell', givenName: 'Alice', familyName: 'Smith' });
    expect(renamed.displayName).toBe('A. Smith');
  });

  it('updates, creates and removes entries through value paths', () => {
    const updated = patch(alice, [
      { op: 'Replace', path: 'emails[type eq "work"].value', value: 'new@example.com' },
    ]);
    expect(updated.emails).toEqual([
      { value: 'new@example.com', type: 'work', primary: true },
      { value: 'alice@home.org', type: 'home' },
    ]);
    const created = patch(bob, [{ op: 'Add', path: 'emails[type eq "other"].value', value: 'b@other.org' }]);
    expect(created.emails).toEqual([
      { value: 'bob@contractor.io', type: 'work' },
      { type: 'other', value: 'b@other.org' },
    ]);
    const removed = patch(alice, [{ op: 'remove', path: 'emails[type eq "home"]' }]);
    expect(removed.emails).toEqual([{ value: 'alice@example.com', type: 'work', primary: true }]);
    const noMatch = scimError(() =>
      patch(alice, [{ op: 'replace', path: 'emails[value co "zzz"]', value: {} }]),
    );
    expect(noMatch.scimType).toBe('noTarget');
  });

  it('adds and removes group members the ways Okta and Entra send them', () => {
    const group = { id: 'grp_1', displayName: 'Eng', members: [{ value: 'usr_1' }, { value: 'usr_2' }] };
    const added = patch(
      group,
      [{ op: 'Add', path: 'members', value: [{ value: 'usr_3' }, { value: 'usr_1' }] }],
      GROUP_RESOURCE,
    );
    expect(added.members).toEqual([{ value: 'usr_1' }, { value: 'usr_2' }, { value: 'usr_3' }]);
    const okta = patch(group, [{ op: 'remove', path: 'members[value eq "usr_1"]' }], GROUP_RESOURCE);
    expect(okta.members).toEqual([{ value: 'usr_2' }]);
    const entra = patch(
      group,
      [{ op: 'Remove', path: 'members', value: [{ value: 'usr_2' }] }],
      GROUP_RESOURCE,
    );
    expect(entra.members).toEqual([{ value: 'usr_1' }]);
    const all = patch(group, [{ op: 'remove', path: 'members' }], GROUP_RESOURCE);
    expect(all.members).toBeUndefined();
    const replaced = patch(
      group,
      [{ op: 'replace', path: 'members', value: [{ value: 'usr_9' }] }],
      GROUP_RESOURCE,
    );
    expect(replaced.members).toEqual([{ value: 'usr_9' }]);
    // Okta renames with the id echoed in the value: the read-only id is ignored.
    const renamed = patch(
      group,
      [{ op: 'replace', value: { id: 'grp_1', displayName: 'Engineering' } }],
      GROUP_RESOURCE,
    );
    expect(renamed).toMatchObject({ id: 'grp_1', displayName: 'Engineering' });
  });

  it('tolerates extension attributes and keys that are paths', () => {
    const result = patch(alice, [
      {
        op: 'Add',
        path: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department',
        value: 'R&D',
      },
      {
        op: 'replace',
        value: {
          'name.givenName': 'Ally',
          'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { employeeNumber: '7' },
        },
      },
      { op: 'add', path: 'addresses[type eq "work"].locality', value: 'Paris' },
    ]);
    expect((result.name as { givenName: string }).givenName).toBe('Ally');
    expect(result['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User']).toEqual({
      employeeNumber: '7',
    });
    expect(result.addresses).toEqual([{ type: 'work', locality: 'Paris' }]);
  });

  it('demotes the other entries when a new primary is added', () => {
    const result = patch(alice, [{ op: 'add', path: 'emails', value: [{ value: 'x@y.z', primary: true }] }]);
    expect((result.emails as { primary?: boolean }[]).map((email) => email.primary)).toEqual([
      false,
      undefined,
      true,
    ]);
  });

  it.each([
    [{}, 'invalidSyntax'],
    [{ Operations: [] }, 'invalidSyntax'],
    [{ schemas: ['urn:wrong'], Operations: [{ op: 'add', value: {} }] }, 'invalidSyntax'],
    [{ Operations: [{ op: 'move', path: 'active', value: true }] }, 'invalidSyntax'],
    [{ Operations: [{ op: 'add', path: 'active' }] }, 'invalidValue'],
    [{ Operations: [{ op: 'add', path: 7, value: 1 }] }, 'invalidPath'],
    [{ Operations: [{ op: 'remove' }] }, 'noTarget'],
    [{ Operations: [{ op: 'add', value: 'not an object' }] }, 'invalidValue'],
    [{ Operations: [{ op: 'add', path: 'emails[type eq', value: 'x' }] }, 'invalidPath'],
    [{ Operations: [{ op: 'add', path: 'emails[type eq "work"]x', value: 'x' }] }, 'invalidPath'],
    [{ Operations: [{ op: 'add', path: 'bad path!', value: 'x' }] }, 'invalidPath'],
    [{ Operations: [{ op: 'replace', path: 'id', value: 'usr_other' }] }, 'mutability'],
    [{ Operations: [{ op: 'replace', path: 'groups', value: [] }] }, 'mutability'],
  ])('rejects %j', (body, scimType) => {
    const error = scimError(() => applyPatch(alice, parsePatchRequest(body), USER_RESOURCE));
    expect(error.status).toBe(400);
    expect(error.scimType).toBe(scimType);
  });
});

describe('SCIM projection, paging and sorting', () => {
  it('returns only the requested attributes, plus id and schemas', () => {
    const only = project(
      structuredClone(alice),
      {
        attributes: parseAttributeList('userName,name.givenName,EMAILS.value', 'attributes'),
        excludedAttributes: undefined,
      },
      USER_RESOURCE,
    );
    expect(only).toEqual({
      schemas: alice.schemas,
      id: alice.id,
      userName: alice.userName,
      name: { givenName: 'Alice' },
      emails: [{ value: 'alice@example.com' }, { value: 'alice@home.org' }],
    });
    const without = project(
      structuredClone(alice),
      { attributes: undefined, excludedAttributes: parseAttributeList('emails,meta,id,name.formatted', 'x') },
      USER_RESOURCE,
    );
    expect(without).not.toHaveProperty('emails');
    expect(without).not.toHaveProperty('meta');
    expect(without.id).toBe(alice.id);
    expect(without.name).toEqual({ givenName: 'Alice', familyName: 'Liddell' });
  });

  it('clamps paging as RFC 7644 says and rejects non-integers', () => {
    expect(parseListQuery({ startIndex: '0', count: '-5' })).toMatchObject({ startIndex: 1, count: 0 });
    expect(parseListQuery({ count: '100000' }).count).toBe(200);
    expect(parseListQuery({}).count).toBe(100);
    expect(scimError(() => parseListQuery({ count: 'ten' })).scimType).toBe('invalidValue');
    expect(scimError(() => parseListQuery({ sortOrder: 'up' })).scimType).toBe('invalidValue');
    expect(scimError(() => parseListQuery({ filter: 'x eq' })).scimType).toBe('invalidFilter');
  });

  it('sorts by an attribute, absent values last', () => {
    const users = [bob, alice, { ...bob, id: 'usr_C', userName: 'carol', emails: undefined }];
    const byEmail = sortComparator(
      USER_RESOURCE,
      { uri: undefined, name: 'emails', sub: undefined },
      'ascending',
    );
    expect([...users].sort(byEmail).map((user) => user.userName)).toEqual([
      'alice@example.com',
      'bob',
      'carol',
    ]);
    const byName = sortComparator(
      USER_RESOURCE,
      { uri: undefined, name: 'userName', sub: undefined },
      'descending',
    );
    expect([...users].sort(byName).map((user) => user.userName)).toEqual([
      'carol',
      'bob',
      'alice@example.com',
    ]);
  });

  it('derives group names tokens can carry from display names', () => {
    expect(groupNameFor('engineering')).toBe('engineering');
    expect(groupNameFor('Sales Team (EU)')).toBe('Sales-Team-EU');
    expect(groupNameFor('  ++Contractors  2025  ')).toBe('Contractors-2025');
    expect(scimError(() => groupNameFor('***')).scimType).toBe('invalidValue');
  });
});

describe('SCIM input robustness', () => {
  /** Deterministic (seeded) random inputs: any failure reproduces. */
  const random = (() => {
    let state = 0x2545f491;
    return () => {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      return (state >>> 0) / 2 ** 32;
    };
  })();
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const tokens = [
    'userName',
    'emails',
    'emails.value',
    'name.givenName',
    'members',
    'members.value',
    'meta.created',
    'active',
    'roles',
    `${USER_RESOURCE.schema.id}:userName`,
    'x',
    '$ref',
    'groups',
    'id',
    '[',
    ']',
    '(',
    ')',
    '.',
    'eq',
    'ne',
    'co',
    'pr',
    'gt',
    'and',
    'or',
    'not',
    '"a"',
    '"work"',
    '1',
    '-2.5e3',
    'true',
    'false',
    'null',
    '"',
    '\\',
    'type',
    'value',
    'primary',
    '"2024-01-01T00:00:00Z"',
  ];
  const values: unknown[] = [
    null,
    true,
    'False',
    1,
    'x',
    [],
    {},
    [{ value: 'usr_1' }],
    { a: 1 },
    [1, 2],
    { value: 'v', primary: 'True' },
    { givenName: 'A' },
    [{ value: 'a@b.c', type: 'work' }],
  ];
  const group = { id: 'grp_1', displayName: 'G', members: [{ value: 'usr_1' }] };

  it('answers any filter or PATCH with a result or a 400 ScimError, never anything else', () => {
    let rejected = 0;
    for (let round = 0; round < 5000; round += 1) {
      const text = Array.from({ length: 1 + Math.floor(random() * 8) }, () => pick(tokens)).join(' ');
      const isUser = random() < 0.5;
      const type = isUser ? USER_RESOURCE : GROUP_RESOURCE;
      const attempts = [
        () => compileFilter(parseFilter(text), type, { lenient: random() < 0.3 })(isUser ? alice : group),
        () => {
          const operation = {
            op: pick(['add', 'Remove', 'replace', 'move']),
            ...(random() < 0.8 && { path: random() < 0.5 ? text : `${pick(tokens)}[${text}].value` }),
            ...(random() < 0.9 && {
              value: random() < 0.3 ? { [pick(tokens)]: pick(values) } : pick(values),
            }),
          };
          return applyPatch(isUser ? alice : group, parsePatchRequest({ Operations: [operation] }), type);
        },
      ];
      for (const attempt of attempts) {
        try {
          attempt();
        } catch (error) {
          expect(error).toBeInstanceOf(ScimError);
          expect((error as ScimError).status).toBe(400);
          rejected += 1;
        }
      }
    }
    expect(rejected).toBeGreaterThan(1000);
  });
});
