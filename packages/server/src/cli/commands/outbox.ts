import type { Deps } from './deps.js';

interface OutboxMessageView {
  readonly id: string;
  readonly kind: string;
  readonly to: string | null;
  readonly status: string;
  readonly attempts: number;
  readonly last_error: string | null;
  readonly created_at: string;
}

export const outboxList = async (
  { client, out }: Deps,
  options: { status?: string; limit?: string },
): Promise<void> => {
  const query = new URLSearchParams();
  if (options.status !== undefined) query.set('status', options.status);
  if (options.limit !== undefined) query.set('limit', options.limit);
  const result = await client.request<{ messages: OutboxMessageView[] }>(
    'GET',
    `/v1/outbox?${query.toString()}`,
  );
  out.result(result, () =>
    result.messages.length === 0
      ? 'no messages'
      : result.messages
          .map(
            (message) =>
              `${message.id}  ${message.status.padEnd(9)} ${message.kind.padEnd(5)} ${message.to ?? '-'}  ` +
              `attempts ${message.attempts}  ${message.created_at}${message.last_error === null ? '' : `\n    ${message.last_error}`}`,
          )
          .join('\n'),
  );
};

export const outboxRetry = async ({ client, out }: Deps, id: string): Promise<void> => {
  const result = await client.request<OutboxMessageView>(
    'POST',
    `/v1/outbox/${encodeURIComponent(id)}/retry`,
  );
  out.result(result, () => `${result.id} is pending again: a new round of delivery attempts starts now`);
};
