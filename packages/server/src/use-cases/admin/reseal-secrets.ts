import { CutoffError } from '../../domain/errors.js';
import {
  canaryProbeSealContext,
  destinationSealContext,
  signingKeySealContext,
  totpSealContext,
} from '../../domain/seal-contexts.js';
import type { RequestContext, UseCaseContext } from '../context.js';
import { auditEvent } from '../audit/audit-event.js';

const USER_PAGE = 500;

export interface ResealCounts {
  readonly signing_keys: number;
  readonly totp_secrets: number;
  readonly canary_probe_headers: number;
  readonly destination_secrets: number;
}

/**
 * Seals, with the current encryption key, every stored secret that is in clear (stored before a
 * key was set) or sealed with a previous key: signing keys (retired ones too), TOTP secrets
 * (active and pending) and the header values of canary probes.
 * Each value is replaced only if it is still the one read (a compare-and-set), so a concurrent
 * rotation or re-enrolment wins; running it again finds nothing left to do. Afterwards the
 * previous keys can be dropped from CUTOFF_ENCRYPTION_PREVIOUS_KEYS.
 */
export const resealSecrets = async (
  ctx: UseCaseContext,
  requestContext: RequestContext,
): Promise<ResealCounts> => {
  const { sealer, store } = ctx;
  if (!sealer.sealing) {
    throw new CutoffError('ERR_CONFLICT', {
      message: 'No encryption key is configured (CUTOFF_ENCRYPTION_KEY): there is nothing to seal with.',
    });
  }
  let signingKeys = 0;
  for (const key of await store.read((r) => r.signingKeys.listAll())) {
    if (!sealer.needsReseal(key.privateJwk)) continue;
    const context = signingKeySealContext(key.kid);
    const sealed = sealer.seal(sealer.open(key.privateJwk, context), context);
    if (await store.transaction((tx) => tx.signingKeys.replacePrivateJwk(key.kid, key.privateJwk, sealed)))
      signingKeys += 1;
  }

  let totpSecrets = 0;
  let cursor: string | undefined;
  do {
    const page = await store.read((r) =>
      r.users.list({ limit: USER_PAGE, ...(cursor !== undefined && { cursor }) }),
    );
    for (const user of page.items) {
      const context = totpSealContext(user.id);
      const active = user.totpSecret;
      if (active !== null && sealer.needsReseal(active)) {
        const sealed = sealer.seal(sealer.open(active, context), context);
        if (await store.transaction((tx) => tx.users.replaceTotpSecret(user.id, active, sealed)))
          totpSecrets += 1;
      }
      // A pending enrolment becomes the active secret as it is: it must open with today's keys too.
      const pending = user.totpPendingSecret ?? null;
      if (pending !== null && sealer.needsReseal(pending)) {
        const sealed = sealer.seal(sealer.open(pending, context), context);
        if (await store.transaction((tx) => tx.users.replaceTotpPendingSecret(user.id, pending, sealed)))
          totpSecrets += 1;
      }
    }
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);

  let probeHeaders = 0;
  for (const probe of await store.read((r) => r.canary.listProbes())) {
    const headers = probe.sealedHeaders;
    if (headers === null || !sealer.needsReseal(headers)) continue;
    const context = canaryProbeSealContext(probe.name);
    const sealed = sealer.seal(sealer.open(headers, context), context);
    if (await store.transaction((tx) => tx.canary.replaceSealedHeaders(probe.name, headers, sealed)))
      probeHeaders += 1;
  }

  let destinationSecrets = 0;
  for (const destination of await store.read((r) => r.destinations.list())) {
    const current = destination.sealedSecrets;
    if (current === null || !sealer.needsReseal(current)) continue;
    const context = destinationSealContext(destination.name);
    const sealed = sealer.seal(sealer.open(current, context), context);
    if (
      await store.transaction((tx) => tx.destinations.replaceSealedSecrets(destination.name, current, sealed))
    )
      destinationSecrets += 1;
  }

  const counts = {
    signing_keys: signingKeys,
    totp_secrets: totpSecrets,
    canary_probe_headers: probeHeaders,
    destination_secrets: destinationSecrets,
  };
  await store.transaction((tx) =>
    tx.audit.append(
      auditEvent(requestContext, ctx.clock.now(), { action: 'secrets.resealed', target: null, counts }),
    ),
  );
  return counts;
};
