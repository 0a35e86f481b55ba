import { performance } from 'node:perf_hooks';
import { adminHeaders, withCutoff } from '../../lib/cutoff-server.mjs';
import { forEachBackend } from '../../lib/fixtures.mjs';
import { call } from '../../lib/http.mjs';
import { atMost, fmt, makeResult } from '../../lib/result.mjs';
import { analyze, benchSession, benchUser, seedInBulk } from '../../lib/seed.mjs';

/** Users with 1,000 sessions each: the first is revoked untimed (warm-up), the others are timed. */
const HEAVY_USERS = 6;
const SESSIONS_PER_HEAVY_USER = 1_000;
const GROUP = 'bench-offboarding';
const GROUP_USERS = 10_000;
const SESSIONS_PER_GROUP_USER = 10;
const base = { group: 'server', scenario: 'revoke-time' };

/** The store content: heavy users (not in the group) and the group, each session with a refresh token. */
const buildRows = () => {
  const users = [];
  const sessions = [];
  const refreshTokens = [];
  const addUser = (username, groups, sessionCount) => {
    const user = benchUser(username, { groups, roles: ['employee'] });
    users.push(user);
    for (let index = 0; index < sessionCount; index++) {
      const { session, refreshToken } = benchSession(user);
      sessions.push(session);
      refreshTokens.push(refreshToken);
    }
    return user;
  };
  const heavy = Array.from({ length: HEAVY_USERS }, (_, index) =>
    addUser(`bench-heavy-${index}`, ['sales'], SESSIONS_PER_HEAVY_USER),
  );
  for (let index = 0; index < GROUP_USERS; index++)
    addUser(`bench-group-${index}`, [GROUP, `team-${index % 50}`], SESSIONS_PER_GROUP_USER);
  return { heavy, rows: { users, sessions, refreshTokens } };
};

/** One end-to-end HTTP revocation, timed from the request to the parsed answer. */
const timedRevocation = async (origin, target) => {
  const startedAt = performance.now();
  const { body } = await call(origin, 'POST', '/v1/revocations', {
    json: { target, reason: 'offboarding', note: 'benchmark' },
    headers: adminHeaders,
    expect: [201],
  });
  return { ms: performance.now() - startedAt, body };
};

const countsNote = (body) =>
  `sessions_revoked ${body.sessions_revoked}, refresh_tokens_revoked ${body.refresh_tokens_revoked}`;

export default {
  id: 'revoke-time',
  title: 'Time to cut off a heavy user and a large group',
  about:
    `The store is seeded in bulk with ${HEAVY_USERS} users of ${fmt(SESSIONS_PER_HEAVY_USER)} sessions each and ` +
    `a group of ${fmt(GROUP_USERS)} users with ${SESSIONS_PER_GROUP_USER} sessions each ` +
    `(${fmt(GROUP_USERS * SESSIONS_PER_GROUP_USER)} sessions), every session with an active refresh token. ` +
    'Then one `POST /v1/revocations` per target is timed end to end over HTTP: each heavy user once ' +
    '(the first call after start warms the code paths and is reported but not counted; the median of ' +
    'the others is held against the target, the worst is shown), then the group. The answer must ' +
    'report every session and refresh token revoked. ' +
    'On PostgreSQL the tables are `ANALYZE`d after the bulk load, as autovacuum would do.',
  async run(env) {
    return forEachBackend(env, base, (backend) =>
      withCutoff(backend, env.options, async ({ origin, store }) => {
        const { heavy, rows } = buildRows();
        const seedStartedAt = performance.now();
        await seedInBulk(store, rows);
        await analyze(store, backend);
        const seedSeconds = (performance.now() - seedStartedAt) / 1000;
        env.log(`  ${backend}: seeded ${fmt(rows.sessions.length)} sessions in ${fmt(seedSeconds)} s`);

        // The first revocation after start runs cold code paths; it is reported, not counted.
        const [warmUser, ...timedUsers] = heavy;
        const warmUp = await timedRevocation(origin, { type: 'user', id: warmUser.id });
        const userCalls = [];
        for (const user of timedUsers)
          userCalls.push(await timedRevocation(origin, { type: 'user', id: user.id }));
        const sorted = [...userCalls].sort((a, b) => a.ms - b.ms);
        const middle = sorted[Math.floor(sorted.length / 2)];
        const worst = sorted.at(-1);
        const userCountErrors = [warmUp, ...userCalls].filter(
          ({ body }) =>
            body.sessions_revoked !== SESSIONS_PER_HEAVY_USER ||
            body.refresh_tokens_revoked !== SESSIONS_PER_HEAVY_USER,
        ).length;
        env.log(
          `  ${backend}: user: ${userCalls.map(({ ms }) => fmt(ms)).join(' / ')} ms (warm-up ${fmt(warmUp.ms)} ms)`,
        );

        const group = await timedRevocation(origin, { type: 'group', id: GROUP });
        const expected = GROUP_USERS * SESSIONS_PER_GROUP_USER;
        const groupCountErrors =
          group.body.sessions_revoked === expected && group.body.refresh_tokens_revoked === expected ? 0 : 1;
        env.log(`  ${backend}: group: ${fmt(group.ms)} ms, ${countsNote(group.body)}`);

        return [
          makeResult({
            ...base,
            backend,
            subject: `revoke user with ${fmt(SESSIONS_PER_HEAVY_USER)} sessions (median of ${userCalls.length})`,
            value: middle.ms,
            unit: 'ms',
            requests: userCalls.length,
            errors: userCountErrors,
            target: atMost(100, 'ms'),
            notes:
              `calls: ${userCalls.map(({ ms }) => fmt(ms)).join(' / ')} ms, worst ${fmt(worst.ms)} ms; ` +
              `first call after start (not counted) ${fmt(warmUp.ms)} ms; each ${countsNote(middle.body)}` +
              (userCountErrors > 0
                ? `; WRONG COUNTS in ${userCountErrors} calls (expected ${SESSIONS_PER_HEAVY_USER})`
                : ''),
          }),
          makeResult({
            ...base,
            backend,
            subject: `revoke group of ${fmt(GROUP_USERS)} users / ${fmt(expected)} sessions`,
            value: group.ms,
            unit: 'ms',
            requests: 1,
            errors: groupCountErrors,
            target: atMost(3_000, 'ms'),
            notes:
              `${countsNote(group.body)}` +
              (groupCountErrors > 0 ? ` (WRONG, expected ${fmt(expected)})` : '') +
              `; bulk seed took ${fmt(seedSeconds)} s`,
          }),
        ];
      }),
    );
  },
  interpret: (results) => {
    const missed = results.filter((result) => result.pass === false);
    return [
      'A cutoff is set-based: one UPDATE of the sessions (selected through the indexed `user_groups` ' +
        'table for a group), one of their refresh tokens, one feed entry and one audit event, in one ' +
        'transaction. The time grows with the number of rows changed, not with a per-session loop, and ' +
        'finding the rows is the small part (~50–200 ms for the group in `EXPLAIN ANALYZE`): the rest is ' +
        'writing 100,000 new row versions in each of the two tables. Access tokens already issued are ' +
        'not touched: guards reject them from the single feed entry (`user`/`group` with `iat <= at`) as ' +
        'soon as it reaches them.',
      'History: with the first schema (`status` inside `sessions_user_status_idx`, ' +
        '`sessions_client_status_idx` and `refresh_tokens_session_status_idx`, full pages, and two ' +
        'refresh-token UPDATEs, for `active` and `rotated`), this scenario measured 3.7–4.2 s for the ' +
        'group and 85–110 ms for the user on PostgreSQL here, missing both targets: no update could be ' +
        'HOT, so every row version also went into every index, and each refresh-token UPDATE was planned ' +
        'as a sequential scan of the whole table. Migration `0003_revocation_indexes` (indexes without ' +
        '`status`, fillfactor 50 on PostgreSQL) and the single refresh-token UPDATE removed that.',
      missed.length > 0
        ? `**Missed: ${missed.map((result) => `${result.backend} / ${result.subject}`).join('; ')}.** ` +
          'First check the CPU line above: PostgreSQL runs on the same two cores as the bench, and a ' +
          'busy machine stretches this single-transaction number directly. The remaining lever in the ' +
          'code: a refresh token of a revoked session is already refused (the grant checks the ' +
          "session's status), so rewriting its refresh-token rows need not happen inside the cutoff " +
          'transaction; revoking them right after the commit (in ' +
          '`packages/server/src/use-cases/revocation/apply-revocation.ts`) would roughly halve it.'
        : '',
    ]
      .filter(Boolean)
      .join('\n\n');
  },
};
