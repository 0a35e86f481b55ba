import { Type } from 'typebox';
import { NAME_PATTERN } from '../../domain/claims.js';
import { CutoffError } from '../../domain/errors.js';
import type { GroupRecord } from '../../domain/records.js';
import type { Store } from '../../ports/storage/store.js';
import { endGroup } from '../../use-cases/groups/end-group.js';
import { upsertGroup } from '../../use-cases/groups/upsert-group.js';
import type { FastifyTypebox } from '../fastify-typebox.js';
import { requestContext } from '../request-context.js';
import { principalOf, requireScope, type RouteDeps } from '../route-deps.js';
import { ErrorBody } from '../schemas.js';

const tags = ['groups'];
const Timestamp = Type.String({ format: 'date-time' });
const NameParams = Type.Object({ name: Type.String({ pattern: NAME_PATTERN }) });
const DEACTIVATE_MEMBERS_DESCRIPTION =
  "What the group's end does to members' accounts: `none` (they only lose the group) or `exclusive` (deactivate every member who belongs to no other group; members of other groups stay active).";
const deactivateMembers = (extra = '') =>
  Type.Union([Type.Literal('none'), Type.Literal('exclusive')], {
    description: `${DEACTIVATE_MEMBERS_DESCRIPTION}${extra}`,
  });
const DeactivateMembers = deactivateMembers();

export const GroupBody = Type.Object({
  id: Type.String(),
  name: Type.String(),
  display_name: Type.String(),
  end_at: Type.Union([Timestamp, Type.Null()], {
    description: "Contractor end date: members' tokens carry it as `access_until`; the group ends then.",
  }),
  ended_at: Type.Union([Timestamp, Type.Null()], { description: 'When the group was ended.' }),
  deactivate_members: DeactivateMembers,
  members: Type.Integer({ description: 'Current members.' }),
  created_at: Timestamp,
  updated_at: Timestamp,
});

const UpsertGroupBody = Type.Object(
  {
    display_name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    end_at: Type.Optional(
      Type.Union([Timestamp, Type.Null()], {
        description: 'A future date-time, or null to remove the end date.',
      }),
    ),
    deactivate_members: Type.Optional(DeactivateMembers),
  },
  { additionalProperties: false },
);

const EndGroupBody = Type.Object(
  {
    note: Type.Optional(Type.String({ maxLength: 2000 })),
    deactivate_members: Type.Optional(
      deactivateMembers(" Default: the group record's `deactivate_members` (`none` without a record)."),
    ),
  },
  { additionalProperties: false },
);

const EndGroupResultBody = Type.Object({
  outcome: Type.Union([Type.Literal('ended'), Type.Literal('already_ended')]),
  group: GroupBody,
  revocation: Type.Union([
    Type.Object({
      id: Type.String(),
      seq: Type.Integer(),
      reason: Type.String(),
      effective_at: Timestamp,
      sessions_revoked: Type.Integer(),
      refresh_tokens_revoked: Type.Integer(),
    }),
    Type.Null(),
  ]),
  deactivate_members: Type.Union([DeactivateMembers, Type.Null()], {
    description: 'What this end did to accounts (null when it had already ended).',
  }),
  members_deactivated: Type.Integer(),
  members_removed: Type.Array(
    Type.Object({
      id: Type.String(),
      username: Type.Union([Type.String(), Type.Null()]),
      account: Type.Union(
        [
          Type.Literal('deactivated'),
          Type.Literal('kept_active'),
          Type.Literal('already_inactive'),
          Type.Literal('unchanged'),
        ],
        {
          description:
            '`deactivated` (in no other group), `kept_active` (in another group, see `other_groups`), `already_inactive`, or `unchanged` (`deactivate_members: none`).',
        },
      ),
      other_groups: Type.Array(Type.String(), { description: "The member's other groups at the end." }),
    }),
  ),
  audit_seq: Type.Union([Type.Integer(), Type.Null()], { description: 'Seq of the `group.ended` event.' }),
});

const iso = (date: Date | null): string | null => (date === null ? null : date.toISOString());

const presentGroup = async (store: Store, group: GroupRecord) => ({
  id: group.id,
  name: group.name,
  display_name: group.displayName,
  end_at: iso(group.endAt),
  ended_at: iso(group.endedAt),
  deactivate_members: group.deactivateMembers,
  members: (await store.read((r) => r.groups.memberIds(group.name))).length,
  created_at: group.createdAt.toISOString(),
  updated_at: group.updatedAt.toISOString(),
});

export const groupRoutes = (app: FastifyTypebox, deps: RouteDeps): void => {
  const admin = requireScope(deps, 'admin');
  const { store } = deps.ctx;

  app.put(
    '/v1/groups/:name',
    {
      onRequest: admin,
      schema: {
        operationId: 'putGroup',
        summary: 'Create or update a group (members, end date)',
        tags,
        description:
          "Creates (201) or updates (200) a group's metadata. `end_at` is a contractor end date: members' tokens carry it as `access_until` and the group is ended (revoked, reason `contractor_end`) when it comes, doing to members' accounts what `deactivate_members` says. Membership stays on the users (`groups`).",
        params: NameParams,
        body: UpsertGroupBody,
        response: { 200: GroupBody, 201: GroupBody, 400: ErrorBody, 409: ErrorBody },
      },
    },
    async (request, reply) => {
      const {
        display_name: displayName,
        end_at: endAt,
        deactivate_members: deactivateMembers,
      } = request.body;
      const result = await upsertGroup(
        deps.ctx,
        request.params.name,
        {
          displayName,
          endAt: endAt === undefined ? undefined : endAt === null ? null : new Date(endAt),
          deactivateMembers,
        },
        requestContext(request, principalOf(request).actor),
      );
      return reply.status(result.created ? 201 : 200).send(await presentGroup(store, result.group));
    },
  );

  app.get(
    '/v1/groups',
    {
      onRequest: admin,
      schema: {
        operationId: 'listGroups',
        summary: 'List groups',
        tags,
        description: 'Group records by id. `cursor` is the `next_cursor` of the previous page.',
        querystring: Type.Object({
          limit: Type.Integer({ minimum: 1, maximum: 200, default: 100 }),
          cursor: Type.Optional(Type.String({ maxLength: 512 })),
        }),
        response: {
          200: Type.Object({
            groups: Type.Array(GroupBody),
            next_cursor: Type.Union([Type.String(), Type.Null()]),
          }),
        },
      },
    },
    async (request) => {
      const { limit, cursor } = request.query;
      const page = await store.read((r) => r.groups.list({ limit, ...(cursor !== undefined && { cursor }) }));
      const groups = [];
      for (const group of page.items) groups.push(await presentGroup(store, group));
      return { groups, next_cursor: page.nextCursor };
    },
  );

  app.get(
    '/v1/groups/:name',
    {
      onRequest: admin,
      schema: {
        operationId: 'getGroup',
        summary: 'Get a group',
        tags,
        params: NameParams,
        response: { 200: GroupBody, 404: ErrorBody },
      },
    },
    async (request) => {
      const group = await store.read((r) => r.groups.findByName(request.params.name));
      if (group === undefined)
        throw new CutoffError('ERR_NOT_FOUND', { message: 'No group with that name.' });
      return presentGroup(store, group);
    },
  );

  app.post(
    '/v1/groups/:name/end',
    {
      onRequest: admin,
      // The body is optional: no body is an empty one.
      preValidation: (request, _reply, done) => {
        request.body ??= {};
        done();
      },
      schema: {
        operationId: 'endGroup',
        summary: "End a group: revoke its members' access",
        tags,
        description:
          '"End Project": ends the group now. In one transaction the group is revoked (reason `contractor_end`: its members\' sessions and refresh tokens die, guards reject tokens carrying the group), its members are removed from it (so re-logins no longer carry it; the list is kept in the audit events) and it is marked ended. With `deactivate_members: "exclusive"` (or the group record\'s setting) every member who belongs to no other group is deactivated and revoked as a user in the same transaction (audited `user.updated` and `user.revoked`); members of other groups stay active and `members_removed[].other_groups` says why. Idempotent: ending an ended group changes nothing and answers 200 with `outcome: already_ended`. 404 for a name with neither a group record nor members.',
        params: NameParams,
        body: EndGroupBody,
        response: { 200: EndGroupResultBody, 404: ErrorBody },
      },
    },
    async (request) => {
      const result = await endGroup(
        deps.ctx,
        request.params.name,
        requestContext(request, principalOf(request).actor),
        {
          trigger: 'end_project',
          note: request.body.note,
          deactivateMembers: request.body.deactivate_members,
        },
      );
      const group = await presentGroup(store, result.group);
      if (result.outcome !== 'ended') {
        return {
          outcome: 'already_ended' as const,
          group,
          revocation: null,
          deactivate_members: null,
          members_deactivated: 0,
          members_removed: [],
          audit_seq: null,
        };
      }
      return {
        outcome: 'ended' as const,
        group,
        revocation: {
          id: result.entry.id,
          seq: result.entry.seq,
          reason: result.entry.reason,
          effective_at: result.entry.createdAt.toISOString(),
          sessions_revoked: result.sessionsRevoked,
          refresh_tokens_revoked: result.refreshTokensRevoked,
        },
        deactivate_members: result.deactivateMembers,
        members_deactivated: result.memberEntries.length,
        members_removed: result.members.map((member) => ({
          id: member.id,
          username: member.username,
          account: member.account,
          other_groups: [...member.otherGroups],
        })),
        audit_seq: result.auditSeq,
      };
    },
  );
};
