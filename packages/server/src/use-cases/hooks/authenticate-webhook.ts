import { CutoffError } from '../../domain/errors.js';
import type { HookSource } from '../../domain/hooks/hooks-config.js';
import { SIGNATURE_PROBLEM_MESSAGES, verifySignature } from '../../domain/hooks/signature.js';
import { findHostileValue, MAX_INPUT_DEPTH } from '../../domain/input/hostile-value.js';
import { toNumericDate } from '../../ports/clock.js';
import type { UseCaseContext } from '../context.js';
import type { WebhookDelivery } from './receive-webhook.js';

const signatureError = (message: string): CutoffError =>
  new CutoffError('ERR_WEBHOOK_SIGNATURE', { message });

/** The configured source whose secret signed these bytes within the tolerance, or a refusal. */
export const authenticateWebhook = (ctx: UseCaseContext, delivery: WebhookDelivery): HookSource => {
  const source = ctx.config.hooks.sources.get(delivery.source);
  if (source === undefined) throw signatureError('Unknown webhook source.');
  const verdict = verifySignature({
    header: delivery.signatureHeader,
    body: delivery.rawBody,
    secrets: source.secrets,
    nowSeconds: toNumericDate(ctx.clock.now()),
  });
  if (!verdict.ok) throw signatureError(SIGNATURE_PROBLEM_MESSAGES[verdict.problem]);
  return source;
};

/** The body as JSON, refused if it is not JSON or carries what the HTTP edge refuses elsewhere. */
export const parseWebhookBody = (rawBody: Buffer): unknown => {
  let payload: unknown;
  try {
    payload = JSON.parse(rawBody.toString('utf8')) as unknown;
  } catch {
    throw new CutoffError('ERR_VALIDATION', { message: 'The webhook body is not valid JSON.' });
  }
  // The body reaches the store (event id, user lookup): what the HTTP edge refuses elsewhere.
  const problem = findHostileValue(payload);
  if (problem !== undefined) {
    throw new CutoffError('ERR_VALIDATION', {
      message:
        problem.kind === 'nul'
          ? `The webhook body contains a NUL character at ${problem.at}.`
          : `The webhook body nests deeper than ${MAX_INPUT_DEPTH} levels at ${problem.at}.`,
    });
  }
  return payload;
};
