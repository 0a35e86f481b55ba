import { CutoffError } from '../../domain/errors.js';
import {
  DEFAULT_SET_MAX_AGE_SECONDS,
  MAX_SET_MAX_AGE_SECONDS,
  type SsfTransmitterRecord,
} from '../../domain/signals/transmitter.js';
import type { RequestContext, UseCaseContext } from '../context.js';
import { auditEvent } from '../audit/audit-event.js';

export interface PutTransmitterInput {
  readonly name: string;
  readonly issuer: string;
  readonly jwksUri: string;
  readonly audience?: string | undefined;
  readonly maxAgeSeconds?: number | undefined;
}

const invalid = (message: string): CutoffError => new CutoffError('ERR_VALIDATION', { message });

/** An absolute http(s) URL without credentials (they would show in every listing and audit event). */
const checkUrl = (field: string, raw: string): string => {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw invalid(`${field} must be an absolute http:// or https:// URL.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw invalid(`${field} must be an absolute http:// or https:// URL.`);
  if (url.username !== '' || url.password !== '') throw invalid(`${field} must not carry credentials.`);
  return url.toString();
};

/**
 * Trusts (or re-configures) a transmitter. The issuer is kept exactly as given: it is compared
 * byte for byte with each SET's `iss`. Audited `ssf_transmitter.configured`.
 */
export const putSsfTransmitter = async (
  ctx: UseCaseContext,
  input: PutTransmitterInput,
  requestContext: RequestContext,
): Promise<{ readonly transmitter: SsfTransmitterRecord; readonly created: boolean }> => {
  if (input.issuer.trim() !== input.issuer || input.issuer === '')
    throw invalid('issuer must be the exact iss of the SETs, without surrounding spaces.');
  const jwksUri = checkUrl('jwks_uri', input.jwksUri);
  const maxAgeSeconds = input.maxAgeSeconds ?? DEFAULT_SET_MAX_AGE_SECONDS;
  if (maxAgeSeconds > MAX_SET_MAX_AGE_SECONDS)
    throw invalid(`max_age_seconds must be at most ${MAX_SET_MAX_AGE_SECONDS} (7 days).`);
  const now = ctx.clock.now();
  const transmitter: SsfTransmitterRecord = {
    name: input.name,
    issuer: input.issuer,
    jwksUri,
    audience: input.audience ?? null,
    maxAgeSeconds,
    createdAt: now,
    updatedAt: now,
  };
  const created = await ctx.store.transaction(async (tx) => {
    const isNew = await tx.ssfTransmitters.put(transmitter);
    await tx.audit.append(
      auditEvent(requestContext, now, {
        action: 'ssf_transmitter.configured',
        target: { type: 'ssf_transmitter', id: transmitter.name },
        details: {
          created: isNew,
          issuer: transmitter.issuer,
          jwks_uri: jwksUri,
          audience: transmitter.audience,
          max_age_seconds: maxAgeSeconds,
        },
      }),
    );
    return isNew;
  });
  const stored = await ctx.store.read((r) => r.ssfTransmitters.find(transmitter.name));
  return { transmitter: stored ?? transmitter, created };
};

/** Stops trusting a transmitter: its next SET is refused `invalid_issuer`. Audited `ssf_transmitter.removed`. */
export const removeSsfTransmitter = async (
  ctx: UseCaseContext,
  name: string,
  requestContext: RequestContext,
): Promise<void> => {
  const now = ctx.clock.now();
  await ctx.store.transaction(async (tx) => {
    const existing = await tx.ssfTransmitters.find(name);
    if (existing === undefined || !(await tx.ssfTransmitters.remove(name)))
      throw new CutoffError('ERR_NOT_FOUND', { message: 'No transmitter with that name.' });
    await tx.audit.append(
      auditEvent(requestContext, now, {
        action: 'ssf_transmitter.removed',
        target: { type: 'ssf_transmitter', id: name },
        details: { issuer: existing.issuer },
      }),
    );
  });
};
