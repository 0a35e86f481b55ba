import { CutoffError } from '../../domain/errors.js';
import { newApiKeyId } from '../new-ids.js';
import type { ApiKeyRecord, ApiKeyScope } from '../../domain/records.js';
import { SECRET_PREFIX, hashSecret, randomSecret } from '../../lib/secrets.js';
import type { RequestContext, UseCaseContext } from '../context.js';
import { auditEvent } from '../audit/audit-event.js';

/** Creates a scoped API key; the key is returned once and only its hash is stored. */
export const createApiKey = async (
  ctx: Pick<UseCaseContext, 'store' | 'clock'>,
  input: {
    readonly name: string;
    readonly scopes: readonly ApiKeyScope[];
    /** After this instant the key authenticates nothing; must lie in the future. */
    readonly expiresAt?: Date | undefined;
  },
  requestContext: RequestContext,
): Promise<{ readonly record: ApiKeyRecord; readonly key: string }> => {
  const now = ctx.clock.now();
  const expiresAt = input.expiresAt ?? null;
  if (expiresAt !== null && expiresAt.getTime() <= now.getTime())
    throw new CutoffError('ERR_VALIDATION', { message: 'expires_at must be in the future.' });
  const key = randomSecret(SECRET_PREFIX.apiKey);
  const record: ApiKeyRecord = {
    id: newApiKeyId(),
    name: input.name,
    keyHash: hashSecret(key),
    scopes: [...new Set(input.scopes)],
    createdAt: now,
    createdBy: requestContext.actor,
    expiresAt,
    lastUsedAt: null,
    revokedAt: null,
  };
  await ctx.store.transaction(async (tx) => {
    await tx.apiKeys.insert(record);
    await tx.audit.append(
      auditEvent(requestContext, now, {
        action: 'api_key.created',
        target: { type: 'api_key', id: record.id },
        details: {
          name: record.name,
          scopes: record.scopes,
          expires_at: expiresAt === null ? null : expiresAt.toISOString(),
        },
      }),
    );
  });
  return { record, key };
};
