import { CutoffError } from '../../domain/errors.js';
import type { Actor } from '../../domain/records.js';
import { signalMappingOf } from '../../domain/signals/event-mapping.js';
import { checkSetClaims, type SetClaims } from '../../domain/signals/set-claims.js';
import { inspectSet } from '../../domain/signals/set-token.js';
import { resolveSubject } from '../../domain/signals/subject.js';
import {
  SET_ALGORITHMS,
  SET_IAT_LEEWAY_SECONDS,
  setReplaySource,
  type SsfTransmitterRecord,
} from '../../domain/signals/transmitter.js';
import type { RevocationTarget } from '../../domain/revocation-plan.js';
import { toNumericDate } from '../../ports/clock.js';
import type { RemoteJwsVerifier } from '../../ports/remote-jws-verifier.js';
import type { RequestContext, UseCaseContext } from '../context.js';
import { auditEvent } from '../audit/audit-event.js';
import { applyRevocations, type RevocationRequest } from '../revocation/apply-revocation.js';
import { findSubjectUser } from './find-subject-user.js';
import { SsfReceiveError } from './ssf-error.js';

export interface SetDelivery {
  /** The request body: a compact JWS (`application/secevent+jwt`). */
  readonly token: string;
  readonly request: RequestContext['request'];
}

export type EventOutcome =
  | {
      readonly type: string;
      readonly applied: true;
      readonly target: RevocationTarget;
      readonly revocationId: string;
      readonly sessionsRevoked: number;
    }
  | { readonly type: string; readonly applied: false; readonly detail: string };

export interface SetReceipt {
  readonly transmitter: string;
  readonly jti: string;
  readonly events: readonly EventOutcome[];
}

type Plan =
  | { readonly type: string; readonly request: RevocationRequest }
  | { readonly type: string; readonly ignored: string };

/** The transmitter that signed the SET, authenticated by its keys; throws the RFC 8935 refusal. */
const authenticate = async (
  ctx: UseCaseContext,
  verifier: RemoteJwsVerifier,
  token: string,
): Promise<{ readonly transmitter: SsfTransmitterRecord; readonly claims: SetClaims }> => {
  const inspected = inspectSet(token);
  if (!inspected.ok) throw new SsfReceiveError(inspected.problem);
  const transmitter = await ctx.store.read((r) => r.ssfTransmitters.findByIssuer(inspected.set.issuer));
  if (transmitter === undefined)
    throw new SsfReceiveError({
      err: 'invalid_issuer',
      description: 'The SET iss is not a trusted transmitter.',
    });
  const verified = await verifier.verify(token, { jwksUri: transmitter.jwksUri, algorithms: SET_ALGORITHMS });
  if (!verified.ok) {
    switch (verified.problem) {
      case 'keys_unavailable':
        // Not the transmitter's fault, and nothing is lost: a 5xx makes it retry (RFC 8935 2.4).
        throw new CutoffError('ERR_SSF_KEYS_UNAVAILABLE', {
          detail: `JWKS of transmitter ${transmitter.name} (${transmitter.jwksUri}) unavailable`,
        });
      case 'unknown_key':
        throw new SsfReceiveError({
          err: 'invalid_key',
          description: "No key of the transmitter's JWKS matches the SET.",
        });
      case 'bad_signature':
        throw new SsfReceiveError({
          err: 'authentication_failed',
          description: 'The SET signature does not verify.',
        });
      case 'malformed':
        throw new SsfReceiveError({
          err: 'invalid_request',
          description: 'The SET is not a well-formed JWS.',
        });
    }
  }
  const checked = checkSetClaims(verified.payload, {
    issuer: transmitter.issuer,
    audiences: [transmitter.audience ?? ctx.config.issuer],
    nowSeconds: toNumericDate(ctx.clock.now()),
    maxAgeSeconds: transmitter.maxAgeSeconds,
    leewaySeconds: SET_IAT_LEEWAY_SECONDS,
  });
  if (!checked.ok) throw new SsfReceiveError(checked.problem);
  return { transmitter, claims: checked.claims };
};

/** What one event asks for, looked up before the transaction (as a webhook's user is). */
const planEvent = async (
  ctx: UseCaseContext,
  transmitter: SsfTransmitterRecord,
  claims: SetClaims,
  event: SetClaims['events'][number],
): Promise<Plan> => {
  const mapping = signalMappingOf(event.type);
  if (mapping === undefined) return { type: event.type, ignored: 'event type not mapped' };
  const subject = resolveSubject(claims.subId ?? event.payload['subject'], {
    cutoff: ctx.config.issuer,
    transmitter: transmitter.issuer,
  });
  if (subject.kind === 'unsupported') return { type: event.type, ignored: subject.detail };
  const details = { transmitter: transmitter.name, jti: claims.jti, event_type: event.type };
  const revoke = (target: RevocationTarget): Plan => ({
    type: event.type,
    request: { target, reason: mapping.reason, details },
  });
  if (subject.kind === 'session') {
    const session = await ctx.store.read((r) => r.sessions.findById(subject.sessionId as never));
    const ownerRefs = subject.user;
    const owner =
      ownerRefs === null ? undefined : await ctx.store.read((r) => findSubjectUser(r.users, ownerRefs));
    const sameUser = owner === undefined || (owner.kind === 'found' && owner.user.id === session?.userId);
    if (session !== undefined && sameUser) {
      return mapping.revokes === 'subject'
        ? revoke({ type: 'session', id: session.id })
        : revoke({ type: 'user', id: session.userId });
    }
    // The transmitter's own session id (not a Cutoff one): the user it names loses every session.
    if (owner?.kind === 'found') return revoke({ type: 'user', id: owner.user.id });
    return { type: event.type, ignored: owner?.detail ?? 'session not found' };
  }
  const lookup = await ctx.store.read((r) => findSubjectUser(r.users, subject.user));
  if (lookup.kind !== 'found') return { type: event.type, ignored: lookup.detail };
  return revoke({ type: 'user', id: lookup.user.id });
};

/**
 * A Security Event Token pushed by a trusted transmitter (RFC 8935), turned into revocations
 * by the one mapping table (`domain/signals/event-mapping.ts`). The SET's signature is its
 * authentication. Its `jti` is recorded in the same transaction as the revocations, so a replay
 * (or a concurrent duplicate) is refused and applies nothing; events Cutoff does not act on are
 * acknowledged and audited, never refused. A store failure throws: the transmitter sees a 5xx
 * and retries, so no revocation is silently lost.
 */
export const receiveSet = async (
  ctx: UseCaseContext,
  verifier: RemoteJwsVerifier,
  delivery: SetDelivery,
): Promise<SetReceipt> => {
  const { transmitter, claims } = await authenticate(ctx, verifier, delivery.token);
  const actor: Actor = { type: 'ssf_transmitter', id: transmitter.name };
  const requestContext: RequestContext = { actor, request: delivery.request };
  const plans: Plan[] = [];
  for (const event of claims.events) plans.push(await planEvent(ctx, transmitter, claims, event));

  const now = ctx.clock.now();
  const { outcomes } = await ctx.store.transaction(async (tx) => {
    if (!(await tx.webhookEvents.recordOnce(setReplaySource(transmitter.name), claims.jti, now)))
      throw new SsfReceiveError({
        err: 'invalid_request',
        description: 'This SET jti was already received.',
      });
    // A user deleted since the lookup: nothing to revoke, say so instead of failing the SET.
    const requests: { readonly type: string; readonly request: RevocationRequest }[] = [];
    const results: EventOutcome[] = [];
    for (const plan of plans) {
      if ('ignored' in plan) continue;
      const { target } = plan.request;
      const exists =
        target.type === 'user'
          ? (await tx.users.findById(target.id as never)) !== undefined
          : (await tx.sessions.findById(target.id as never)) !== undefined;
      if (exists) requests.push(plan);
      else results.push({ type: plan.type, applied: false, detail: `${target.type} not found` });
    }
    const revocations =
      requests.length === 0
        ? []
        : await applyRevocations(
            ctx,
            tx,
            requests.map((item) => item.request),
            requestContext,
          );
    for (const [index, { type, request }] of requests.entries()) {
      const revocation = revocations[index]!;
      results.push({
        type,
        applied: true,
        target: request.target,
        revocationId: revocation.entry.id,
        sessionsRevoked: revocation.sessionsRevoked,
      });
    }
    for (const plan of plans)
      if ('ignored' in plan) results.push({ type: plan.type, applied: false, detail: plan.ignored });
    // Appended after the revocations' row locks (see applyRevocation).
    for (const outcome of results) {
      if (outcome.applied) continue;
      await tx.audit.append(
        auditEvent(requestContext, now, {
          action: 'ssf.event_ignored',
          target: null,
          details: {
            transmitter: transmitter.name,
            jti: claims.jti,
            event_type: outcome.type,
            detail: outcome.detail,
          },
        }),
      );
    }
    await tx.audit.append(
      auditEvent(requestContext, now, {
        action: 'ssf.event_received',
        target: { type: 'ssf_transmitter', id: transmitter.name },
        details: {
          transmitter: transmitter.name,
          jti: claims.jti,
          events: results.map((outcome) =>
            outcome.applied
              ? { type: outcome.type, applied: true, revocation_id: outcome.revocationId }
              : { type: outcome.type, applied: false, detail: outcome.detail },
          ),
        },
      }),
    );
    return { outcomes: results };
  });
  return { transmitter: transmitter.name, jti: claims.jti, events: outcomes };
};
