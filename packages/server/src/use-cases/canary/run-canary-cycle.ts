import { setTimeout as delay } from 'node:timers/promises';
import {
  nextCanaryKind,
  probePassed,
  type CanaryKind,
  type CanaryProbeRecord,
  type CanaryProbeResult,
  type CanaryRunRecord,
} from '../../domain/canary/canary-records.js';
import type { RevocationTarget } from '../../domain/revocation-plan.js';
import { randomId } from '../../lib/secrets.js';
import type { ProbeClient } from '../../ports/probe-client.js';
import type { UseCaseContext } from '../context.js';
import type { GuardDelivery } from '../fleet/guard-registry.js';
import { login } from '../auth/login.js';
import { refreshTokenGrant } from '../oauth/refresh-token-grant.js';
import { revoke } from '../revocation/revoke.js';
import { CANARY_REQUEST_CONTEXT, CANARY_USERNAME, prepareCanaryAccount } from './canary-account.js';
import { probeHeaders } from './canary-probes.js';

export interface CanaryDeps {
  readonly ctx: UseCaseContext;
  readonly probes: ProbeClient;
  /** RFC 7662 introspection as this server answers it. */
  readonly introspect: (token: string) => Promise<string>;
  /** The fleet view: waits until every connected guard applied `seq` (or the timeout). */
  readonly waitForGuards: (
    seq: number,
    committedAtMs: number,
    timeoutMs: number,
  ) => Promise<readonly GuardDelivery[]>;
  /** Pause between two calls of a probe that still accepts the revoked token. */
  readonly pollMs: number;
  /** Monotonic milliseconds, for the times to reject (not the wall clock, which may step). */
  readonly monotonicMs: () => number;
}

/** Status codes kept per probe, so a probe flapping for the whole deadline stays bounded. */
const MAX_STATUSES = 32;

const is2xx = (status: number): boolean => status >= 200 && status < 300;

class StatusTrail {
  readonly statuses: number[] = [];
  add(status: number): void {
    if (this.statuses.at(-1) !== status && this.statuses.length < MAX_STATUSES) this.statuses.push(status);
  }
}

const targetFor = (
  kind: CanaryKind,
  claims: { readonly sid?: string | undefined; readonly jti: string; readonly sub: string },
  account: { readonly groups: readonly string[]; readonly roles: readonly string[] },
): RevocationTarget => {
  switch (kind) {
    case 'session':
      return { type: 'session', id: claims.sid ?? '' };
    case 'user':
      return { type: 'user', id: claims.sub };
    case 'token':
      return { type: 'token', id: claims.jti };
    case 'group':
      return { type: 'group', id: account.groups[0] ?? '' };
    case 'role':
      return { type: 'role', id: account.roles[0] ?? '' };
  }
};

const errorMessage = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * One canary cycle: log the canary in through the real login, prove every probe takes its token,
 * revoke (reason `canary`, actor `canary`, the kind rotating), then call every probe until it
 * refuses or the deadline passes, and check the rest of the chain (refresh refused, introspection
 * inactive, every connected guard applied the entry). The result is stored and returned. The
 * caller holds the run lease: only one cycle runs at a time across replicas.
 */
export const runCanaryCycle = async (deps: CanaryDeps): Promise<CanaryRunRecord> => {
  const { ctx } = deps;
  const startedAt = ctx.clock.now();
  const id = randomId('can');
  const deadlineMs = ctx.config.canaryDeadlineMs;
  const probes = await ctx.store.read((r) => r.canary.listProbes());
  const [last] = await ctx.store.read((r) => r.canary.recentRuns(1));
  const kind = nextCanaryKind(last?.kind, {
    group: ctx.config.canaryGroups.length > 0,
    role: ctx.config.canaryRoles.length > 0,
  });

  const finish = async (
    fields: Omit<CanaryRunRecord, 'id' | 'startedAt' | 'finishedAt' | 'kind' | 'ok'>,
  ): Promise<CanaryRunRecord> => {
    const ok =
      fields.error === null &&
      fields.probes.every(probePassed) &&
      fields.refreshRefused !== false &&
      fields.introspectionInactive &&
      fields.guards.applied === fields.guards.total;
    const run: CanaryRunRecord = { id, startedAt, finishedAt: ctx.clock.now(), kind, ok, ...fields };
    await ctx.store.transaction((tx) => tx.canary.insertRun(run));
    await ctx.store.transaction((tx) =>
      tx.canary.pruneRunsBefore(new Date(startedAt.getTime() - ctx.config.canaryRetentionDays * 86_400_000)),
    );
    return run;
  };
  const failedBeforeRevoking = (error: string): Promise<CanaryRunRecord> =>
    finish({
      probes: probes.map((probe) => ({
        name: probe.name,
        accepted: false,
        rejectedAfterMs: null,
        statuses: [],
        error: 'not called: the cycle stopped before it',
      })),
      refreshRefused: null,
      introspectionInactive: false,
      guards: { applied: 0, total: 0 },
      error,
    });

  let tokens: Awaited<ReturnType<typeof login>>;
  let account: Awaited<ReturnType<typeof prepareCanaryAccount>>;
  try {
    account = await prepareCanaryAccount(ctx);
    tokens = await login(
      ctx,
      { username: CANARY_USERNAME, password: account.password },
      CANARY_REQUEST_CONTEXT,
    );
  } catch (error) {
    return failedBeforeRevoking(`the canary could not log in: ${errorMessage(error)}`);
  }
  const claims = await ctx.signer.verify(tokens.accessToken);

  const headersOf = new Map<string, Record<string, string>>();
  const call = async (probe: CanaryProbeRecord): Promise<{ status: number; error?: string | undefined }> => {
    let headers = headersOf.get(probe.name);
    if (headers === undefined) {
      headers = { ...probeHeaders(ctx, probe), authorization: `Bearer ${tokens.accessToken}` };
      headersOf.set(probe.name, headers);
    }
    return deps.probes.call({ url: probe.url, method: probe.method, headers, timeoutMs: probe.timeoutMs });
  };

  // 1. Every probe takes the fresh token (else a 401 afterwards proves nothing).
  const trails = new Map(probes.map((probe) => [probe.name, new StatusTrail()]));
  const before = await Promise.all(
    probes.map(async (probe) => {
      try {
        const answer = await call(probe);
        trails.get(probe.name)?.add(answer.status);
        if (answer.error !== undefined) return { accepted: false, error: answer.error };
        if (!is2xx(answer.status))
          return { accepted: false, error: `refused the fresh token (HTTP ${answer.status})` };
        return { accepted: true, error: null };
      } catch (error) {
        return { accepted: false, error: errorMessage(error) };
      }
    }),
  );

  // 2. Revoke.
  const target = targetFor(kind, claims, account.user);
  let committedAt: number;
  let revoked: Awaited<ReturnType<typeof revoke>>;
  try {
    revoked = await revoke(
      ctx,
      { target, reason: 'canary', details: { canary_run_id: id } },
      CANARY_REQUEST_CONTEXT,
    );
    committedAt = deps.monotonicMs();
  } catch (error) {
    return failedBeforeRevoking(`the canary could not revoke: ${errorMessage(error)}`);
  }
  if (revoked.dryRun) throw new Error('unreachable: not a dry run');
  const entry = revoked.entry;

  // 3. Every probe that took the token must refuse it before the deadline; the chain is checked meanwhile.
  const measure = async (probe: CanaryProbeRecord, index: number): Promise<CanaryProbeResult> => {
    const trail = trails.get(probe.name) ?? new StatusTrail();
    const first = before[index] ?? { accepted: false, error: 'not called' };
    if (!first.accepted)
      return {
        name: probe.name,
        accepted: false,
        rejectedAfterMs: null,
        statuses: trail.statuses,
        error: first.error,
      };
    let lastError: string | null = null;
    for (;;) {
      const answer = await call(probe).catch((error: unknown) => ({ status: 0, error: errorMessage(error) }));
      const elapsed = deps.monotonicMs() - committedAt;
      trail.add(answer.status);
      lastError = answer.error ?? null;
      if (answer.status === 401)
        return {
          name: probe.name,
          accepted: true,
          rejectedAfterMs: Math.round(elapsed),
          statuses: trail.statuses,
          error: null,
        };
      if (elapsed >= deadlineMs)
        return {
          name: probe.name,
          accepted: true,
          rejectedAfterMs: null,
          statuses: trail.statuses,
          error:
            lastError ??
            (is2xx(answer.status)
              ? `still accepted the revoked token after ${deadlineMs} ms`
              : `answered HTTP ${answer.status}, not 401, until the deadline (${deadlineMs} ms)`),
        };
      await delay(deps.pollMs);
    }
  };

  const refreshCheck = async (): Promise<boolean | null> => {
    if (kind === 'token') return null; // a revoked jti leaves its session alive by design
    try {
      await refreshTokenGrant(
        ctx,
        { refreshToken: tokens.refreshToken, client: undefined },
        CANARY_REQUEST_CONTEXT,
      );
      return false;
    } catch {
      return true;
    }
  };
  const introspectionCheck = async (): Promise<boolean> => {
    const answer = JSON.parse(await deps.introspect(tokens.accessToken)) as { active?: unknown };
    return answer.active === false;
  };

  const [results, refreshRefused, introspectionInactive, deliveries] = await Promise.all([
    Promise.all(probes.map(measure)),
    refreshCheck(),
    introspectionCheck().catch(() => false),
    deps.waitForGuards(entry.seq, entry.createdAt.getTime(), deadlineMs),
  ]);

  // A revoked jti leaves the session: end it, so canary sessions do not pile up.
  if (kind === 'token' && claims.sid !== undefined) {
    await revoke(
      ctx,
      { target: { type: 'session', id: claims.sid }, reason: 'canary', details: { canary_run_id: id } },
      CANARY_REQUEST_CONTEXT,
    ).catch(() => undefined);
  }
  // A user, group or role entry rejects tokens issued in its second: the next cycle's login must
  // come after it, or its fresh token would be refused before it is revoked.
  if (kind === 'user' || kind === 'group' || kind === 'role') {
    const waitMs = (entry.at + 1) * 1000 - ctx.clock.now().getTime();
    if (waitMs > 0) await delay(waitMs);
  }

  return finish({
    probes: results,
    refreshRefused,
    introspectionInactive,
    guards: {
      applied: deliveries.filter((delivery) => delivery.applied).length,
      total: deliveries.length,
    },
    error: null,
  });
};
