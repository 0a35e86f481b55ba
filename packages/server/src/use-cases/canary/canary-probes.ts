import { CutoffError } from '../../domain/errors.js';
import type { CanaryProbeMethod, CanaryProbeRecord } from '../../domain/canary/canary-records.js';
import { canaryProbeSealContext } from '../../domain/seal-contexts.js';
import type { RequestContext, UseCaseContext } from '../context.js';
import { auditEvent } from '../audit/audit-event.js';

export interface PutProbeInput {
  readonly name: string;
  readonly url: string;
  readonly method?: CanaryProbeMethod | undefined;
  readonly headers?: Readonly<Record<string, string>> | undefined;
  readonly timeoutMs?: number | undefined;
}

/** Headers the canary sets itself, or that would make the request something else than a probe. */
const RESERVED_HEADERS = new Set([
  'authorization',
  'host',
  'content-length',
  'transfer-encoding',
  'connection',
  'upgrade',
  'expect',
]);

const invalid = (message: string): CutoffError => new CutoffError('ERR_VALIDATION', { message });

/** http(s) only, and no credentials in the URL: they belong in sealed headers, not in listings. */
export const checkProbeUrl = (raw: string): string => {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw invalid('url must be an absolute http:// or https:// URL.');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw invalid('url must be an absolute http:// or https:// URL.');
  if (url.username !== '' || url.password !== '')
    throw invalid('url must not carry credentials; put a gateway key in headers (they are stored sealed).');
  return url.toString();
};

const checkHeaders = (headers: Readonly<Record<string, string>>): Record<string, string> => {
  const checked: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (RESERVED_HEADERS.has(lower))
      throw invalid(`headers must not set ${name}: the canary sends its own token in Authorization.`);
    if (/[\r\n\0]/.test(value)) throw invalid(`header ${name} must not contain line breaks or NUL.`);
    checked[lower] = value;
  }
  return checked;
};

/** Registers (or replaces) a probe; header values are sealed before they reach the store. */
export const putCanaryProbe = async (
  ctx: UseCaseContext,
  input: PutProbeInput,
  requestContext: RequestContext,
): Promise<{ readonly probe: CanaryProbeRecord; readonly created: boolean }> => {
  const url = checkProbeUrl(input.url);
  const headers = checkHeaders(input.headers ?? {});
  const headerNames = Object.keys(headers).sort();
  const now = ctx.clock.now();
  const probe: CanaryProbeRecord = {
    name: input.name,
    url,
    method: input.method ?? 'GET',
    headerNames,
    sealedHeaders:
      headerNames.length === 0
        ? null
        : ctx.sealer.seal(JSON.stringify(headers), canaryProbeSealContext(input.name)),
    timeoutMs: input.timeoutMs ?? 2000,
    createdAt: now,
    updatedAt: now,
  };
  const created = await ctx.store.transaction(async (tx) => {
    const isNew = await tx.canary.putProbe(probe);
    await tx.audit.append(
      auditEvent(requestContext, now, {
        action: isNew ? 'canary_probe.created' : 'canary_probe.updated',
        target: { type: 'canary_probe', id: probe.name },
        // The URL and header names only: header values may be gateway keys.
        details: { url, method: probe.method, header_names: headerNames, timeout_ms: probe.timeoutMs },
      }),
    );
    return isNew;
  });
  const stored = await ctx.store.read((r) => r.canary.findProbe(probe.name));
  return { probe: stored ?? probe, created };
};

export const deleteCanaryProbe = async (
  ctx: UseCaseContext,
  name: string,
  requestContext: RequestContext,
): Promise<void> => {
  const now = ctx.clock.now();
  await ctx.store.transaction(async (tx) => {
    if (!(await tx.canary.deleteProbe(name)))
      throw new CutoffError('ERR_NOT_FOUND', { message: 'No canary probe with that name.' });
    await tx.audit.append(
      auditEvent(requestContext, now, {
        action: 'canary_probe.deleted',
        target: { type: 'canary_probe', id: name },
      }),
    );
  });
};

/** The stored header values of a probe, opened (only the cycle needs them). */
export const probeHeaders = (ctx: UseCaseContext, probe: CanaryProbeRecord): Record<string, string> =>
  probe.sealedHeaders === null
    ? {}
    : (JSON.parse(ctx.sealer.open(probe.sealedHeaders, canaryProbeSealContext(probe.name))) as Record<
        string,
        string
      >);
