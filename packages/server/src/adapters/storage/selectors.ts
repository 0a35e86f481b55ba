import { sql } from 'kysely';
import type { Expression, ExpressionBuilder, SqlBool } from 'kysely';
import type { SessionSelector } from '../../domain/session-selector.js';
import type { Database, StoreDialect } from './schema.js';

/**
 * The sessions a selector covers, as a set-based predicate on `sessions` (group and role go
 * through the indexed `user_groups` / `user_roles` tables, never through JSON).
 */
export const sessionCovered = (
  eb: ExpressionBuilder<Database, 'sessions'>,
  selector: SessionSelector,
): Expression<SqlBool> => {
  switch (selector.kind) {
    case 'session':
      return eb('sessions.id', '=', selector.key);
    case 'user':
      return eb('sessions.user_id', '=', selector.key);
    case 'group':
      return eb(
        'sessions.user_id',
        'in',
        eb
          .selectFrom('user_groups')
          .select('user_groups.user_id')
          .where('user_groups.group_name', '=', selector.key),
      );
    case 'role':
      return eb(
        'sessions.user_id',
        'in',
        eb.selectFrom('user_roles').select('user_roles.user_id').where('user_roles.role', '=', selector.key),
      );
    case 'client':
      return eb('sessions.client_id', '=', selector.key);
    case 'all':
      return sql<SqlBool>`1 = 1`;
  }
};

/**
 * The refresh tokens of every session (whatever its status) the selector covers.
 *
 * For one user on PostgreSQL, the session ids are handed over as an array
 * (`session_id = any(array(...))`): the planner then probes the `session_id` index once per
 * session. As an `IN (subquery)` it plans a user with many sessions (whose id is a most common
 * value) as a hash join over a sequential scan of every refresh token, which costs more than the
 * probes on a cached table. Sets that may be large (groups, roles, clients) keep `IN`, where that
 * choice is the right one. SQLite probes the index for `IN` either way.
 */
export const refreshTokenCovered = (
  eb: ExpressionBuilder<Database, 'refresh_tokens'>,
  selector: SessionSelector,
  dialect: StoreDialect,
): Expression<SqlBool> => {
  switch (selector.kind) {
    case 'session':
      return eb('refresh_tokens.session_id', '=', selector.key);
    case 'all':
      return sql<SqlBool>`1 = 1`;
    case 'user':
    case 'group':
    case 'role':
    case 'client': {
      const sessionIds = eb
        .selectFrom('sessions')
        .select('sessions.id')
        .where((inner) => sessionCovered(inner, selector));
      return selector.kind === 'user' && dialect === 'postgres'
        ? sql<SqlBool>`${eb.ref('refresh_tokens.session_id')} = any(array(${sessionIds}))`
        : eb('refresh_tokens.session_id', 'in', sessionIds);
    }
  }
};
