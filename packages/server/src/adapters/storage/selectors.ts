import { sql } from 'kysely';
import type { Expression, ExpressionBuilder, SqlBool } from 'kysely';
import type { SessionSelector } from '../../ports/store.js';
import type { Database } from './schema.js';

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

/** The refresh tokens of every session (whatever its status) the selector covers. */
export const refreshTokenCovered = (
  eb: ExpressionBuilder<Database, 'refresh_tokens'>,
  selector: SessionSelector,
): Expression<SqlBool> => {
  switch (selector.kind) {
    case 'session':
      return eb('refresh_tokens.session_id', '=', selector.key);
    case 'all':
      return sql<SqlBool>`1 = 1`;
    case 'user':
    case 'group':
    case 'role':
    case 'client':
      return eb(
        'refresh_tokens.session_id',
        'in',
        eb
          .selectFrom('sessions')
          .select('sessions.id')
          .where((inner) => sessionCovered(inner, selector)),
      );
  }
};
