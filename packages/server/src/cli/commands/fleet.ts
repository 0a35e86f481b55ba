import { table } from '../output.js';
import type { Deps } from './deps.js';

interface Fleet {
  readonly head: number;
  readonly guards: readonly {
    readonly guard_id: string;
    readonly app: string;
    readonly seq: number;
    readonly lag: number;
    readonly connected: boolean;
    readonly last_contact_at: string;
  }[];
}

/** The fleet view: every guard, the seq it applied and how far behind the feed head it is. */
export const guardsList = async ({ client, out }: Deps): Promise<void> => {
  const fleet = await client.request<Fleet>('GET', '/v1/guards');
  out.result(fleet, () => {
    const behind = fleet.guards.filter((guard) => guard.lag > 0 || !guard.connected).length;
    return [
      `feed head ${fleet.head}; ${fleet.guards.length} guards, ${behind} behind or disconnected`,
      ...(fleet.guards.length === 0
        ? []
        : [
            table([
              ['GUARD', 'APP', 'SEQ', 'LAG', 'CONNECTED', 'LAST CONTACT'],
              ...fleet.guards.map((guard) => [
                guard.guard_id,
                guard.app,
                String(guard.seq),
                String(guard.lag),
                String(guard.connected),
                guard.last_contact_at,
              ]),
            ]),
          ]),
    ].join('\n');
  });
};
