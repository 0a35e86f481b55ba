import type { AsyncLocalStorage } from 'node:async_hooks';
import type {
  KyselyPlugin,
  PluginTransformQueryArgs,
  PluginTransformResultArgs,
  QueryResult,
  RootOperationNode,
  UnknownRow,
} from 'kysely';

/** Set while `store.transaction` runs its work, in that work's async context. */
export interface TransactionScope {
  active: boolean;
}

export const misuseMessage =
  'the store was used directly inside store.transaction(); use the repositories of the tx passed to the work ' +
  'function (on SQLite the outer call would wait forever for the single connection the transaction holds)';

/**
 * Installed on the root SQLite handle: a query issued from inside a running transaction's work
 * through the root store would wait for the one connection that transaction holds, forever.
 * Failing fast turns that deadlock into an error that names the mistake.
 */
export class TransactionMisuseGuard implements KyselyPlugin {
  readonly #scope: AsyncLocalStorage<TransactionScope>;

  constructor(scope: AsyncLocalStorage<TransactionScope>) {
    this.#scope = scope;
  }

  /** Also run directly before prepared queries, which do not pass through plugins. */
  readonly check = (): void => {
    if (this.#scope.getStore()?.active === true) throw new Error(misuseMessage);
  };

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    this.check();
    return args.node;
  }

  transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return Promise.resolve(args.result);
  }
}
