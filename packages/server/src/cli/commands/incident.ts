import { table } from '../output.js';
import { withProgress } from '../progress.js';
import type { Deps } from './deps.js';
import { resolveUserId } from './users.js';

interface IncidentResult {
  readonly incident_id: string;
  readonly user_id: string;
  readonly mfa_required: boolean;
  readonly revocation: {
    readonly seq: number;
    readonly sessions_revoked: number;
    readonly refresh_tokens_revoked: number;
  };
  readonly notifications: readonly {
    readonly channel: string;
    readonly status: string;
    readonly detail: string | null;
  }[];
}
interface Investigation {
  readonly user: { readonly id: string; readonly username: string };
  readonly since: string;
  readonly active_sessions: number;
  readonly distinct_ips: readonly string[];
  readonly revoked_sessions: readonly {
    readonly id: string;
    readonly ip: string | null;
    readonly device_fingerprint: string | null;
    readonly created_at: string;
    readonly last_seen_at: string;
    readonly duration_seconds: number;
    readonly revoked_reason: string | null;
  }[];
  readonly events: readonly {
    readonly seq: number;
    readonly ts: string;
    readonly action: string;
    readonly reason: string | null;
  }[];
}

const userPath = async (deps: Deps, user: string, tail: string): Promise<string> =>
  `/v1/users/${encodeURIComponent(await resolveUserId(deps.client, user))}/${tail}`;

/** The compromised-account response: revoke everything, require MFA, notify the user. */
export const incidentOpen = async (
  deps: Deps,
  user: string,
  options: { readonly note?: string; readonly phone?: string },
): Promise<void> => {
  const path = await userPath(deps, user, 'incident');
  const result = await withProgress(deps.out, `opening an incident for ${user}`, () =>
    deps.client.request<IncidentResult>('POST', path, {
      ...(options.note !== undefined && { note: options.note }),
      ...(options.phone !== undefined && { phone: options.phone }),
    }),
  );
  deps.out.result(result, () =>
    [
      `incident ${result.incident_id} for ${result.user_id}: ${result.revocation.sessions_revoked} sessions and ` +
        `${result.revocation.refresh_tokens_revoked} refresh tokens revoked (seq ${result.revocation.seq}); ` +
        `MFA required at the next login: ${result.mfa_required}`,
      ...result.notifications.map(
        (notification) =>
          `  ${notification.channel}: ${notification.status}${notification.detail === null ? '' : ` (${notification.detail})`}`,
      ),
    ].join('\n'),
  );
};

export const investigate = async (
  deps: Deps,
  user: string,
  options: { readonly since?: string },
): Promise<void> => {
  const path = await userPath(deps, user, 'investigation');
  const query = options.since === undefined ? '' : `?since=${encodeURIComponent(options.since)}`;
  const view = await withProgress(deps.out, `investigating ${user}`, () =>
    deps.client.request<Investigation>('GET', `${path}${query}`),
  );
  deps.out.result(view, () =>
    [
      `${view.user.username} (${view.user.id}) since ${view.since}: ${view.active_sessions} active sessions, ` +
        `addresses ${view.distinct_ips.join(', ') || '-'}`,
      '',
      'Revoked sessions:',
      table([
        ['SESSION', 'IP', 'DEVICE', 'STARTED', 'LAST SEEN', 'DURATION', 'REASON'],
        ...view.revoked_sessions.map((session) => [
          session.id,
          session.ip ?? '-',
          session.device_fingerprint ?? '-',
          session.created_at,
          session.last_seen_at,
          `${session.duration_seconds}s`,
          session.revoked_reason ?? '-',
        ]),
      ]),
      '',
      'Events:',
      table([
        ['SEQ', 'TIME', 'ACTION', 'REASON'],
        ...view.events.map((event) => [String(event.seq), event.ts, event.action, event.reason ?? '']),
      ]),
    ].join('\n'),
  );
};
