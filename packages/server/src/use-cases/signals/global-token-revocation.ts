import { CutoffError } from '../../domain/errors.js';
import { resolveSubject } from '../../domain/signals/subject.js';
import type { RequestContext, UseCaseContext } from '../context.js';
import { applyRevocation } from '../revocation/apply-revocation.js';
import type { GtrCaller } from './authenticate-gtr-caller.js';
import { findSubjectUser } from './find-subject-user.js';

/** draft-parecki-oauth-global-token-revocation: the formats Okta Universal Logout sends. */
const GTR_FORMATS = new Set(['email', 'iss_sub']);

const unsupported = (message: string) => new CutoffError('ERR_GTR_UNSUPPORTED_SUBJECT', { message });

/**
 * Revokes every session and refresh token of the user `subId` names (reason
 * `security_incident`, actor the caller); the user watermark refuses the access tokens already
 * issued too. 404 for an unknown user, 400 `ERR_GTR_UNSUPPORTED_SUBJECT` for a subject Cutoff
 * cannot resolve. A signed request's `jti` is recorded in the same transaction: replayed, it
 * is refused and revokes nothing more.
 */
export const globalTokenRevocation = async (
  ctx: UseCaseContext,
  caller: GtrCaller,
  subId: Readonly<Record<string, unknown>>,
  request: RequestContext['request'],
): Promise<{ readonly userId: string; readonly sessionsRevoked: number }> => {
  const format = subId['format'];
  if (typeof format !== 'string' || !GTR_FORMATS.has(format))
    throw unsupported('sub_id.format must be email or iss_sub.');
  let transmitterIssuer = caller.transmitterIssuer ?? '';
  if (format === 'iss_sub' && typeof subId['iss'] === 'string' && subId['iss'] !== ctx.config.issuer) {
    // An admin or client may name the user by any configured transmitter's issuer.
    const issuer = subId['iss'];
    const transmitter = await ctx.store.read((r) => r.ssfTransmitters.findByIssuer(issuer));
    if (transmitter !== undefined) transmitterIssuer = transmitter.issuer;
  }
  const subject = resolveSubject(subId, { cutoff: ctx.config.issuer, transmitter: transmitterIssuer });
  if (subject.kind !== 'user')
    throw unsupported(`sub_id: ${subject.kind === 'unsupported' ? subject.detail : 'not a user'}.`);
  const lookup = await ctx.store.read((r) => findSubjectUser(r.users, subject.user));
  if (lookup.kind === 'ambiguous')
    throw new CutoffError('ERR_CONFLICT', {
      message: 'Several users have this email; name the user by iss_sub instead.',
    });
  if (lookup.kind !== 'found') throw new CutoffError('ERR_NOT_FOUND', { message: 'No user matches sub_id.' });
  const user = lookup.user;
  const requestContext: RequestContext = { actor: caller.actor, request };
  const now = ctx.clock.now();
  const revocation = await ctx.store.transaction(async (tx) => {
    if (
      caller.replay !== undefined &&
      !(await tx.webhookEvents.recordOnce(caller.replay.source, caller.replay.id, now))
    )
      throw new CutoffError('ERR_UNAUTHENTICATED', { detail: `replayed JWT ${caller.replay.id}` });
    if ((await tx.users.findById(user.id)) === undefined)
      throw new CutoffError('ERR_NOT_FOUND', { message: 'No user matches sub_id.' });
    return applyRevocation(
      ctx,
      tx,
      {
        target: { type: 'user', id: user.id },
        reason: 'security_incident',
        details: { via: 'global_token_revocation', sub_id_format: format },
        triggeredBy: {
          action: 'global_token_revocation.requested',
          target: { type: 'user', id: user.id },
          details: { sub_id_format: format },
        },
      },
      requestContext,
    );
  });
  return { userId: user.id, sessionsRevoked: revocation.sessionsRevoked };
};
