/** One Server-Sent Event of the revocation feed. */
export interface FeedEvent {
  readonly event: string;
  readonly id: string | undefined;
  readonly data: string;
}

/** Opens `/v1/revocations/stream` and yields its events; the caller stops by breaking out. */
export type OpenFeed = (after: number, signal: AbortSignal) => AsyncIterable<FeedEvent>;

const parseEvent = (block: string): FeedEvent | undefined => {
  let event = 'message';
  let id: string | undefined;
  const data: string[] = [];
  for (const line of block.split('\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue; // a comment, or a field without a value
    const field = line.slice(0, colon);
    const value = line.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') event = value;
    else if (field === 'id') id = value;
    else if (field === 'data') data.push(value);
  }
  return data.length === 0 ? undefined : { event, id, data: data.join('\n') };
};

/** Never prints or logs the key. */
export const createOpenFeed = (baseUrl: string, apiKey: string | undefined): OpenFeed =>
  async function* (after, signal) {
    if (apiKey === undefined || apiKey === '')
      throw new Error('No API key: pass --key or set CUTOFF_ADMIN_KEY.');
    const response = await fetch(new URL(`/v1/revocations/stream?after=${after}`, baseUrl), {
      headers: { authorization: `Bearer ${apiKey}`, accept: 'text/event-stream' },
      signal,
    });
    if (!response.ok || response.body === null) {
      const text = await response.text();
      let message = `HTTP ${response.status}`;
      try {
        const body = JSON.parse(text) as { message?: unknown };
        if (typeof body.message === 'string') message = body.message;
      } catch {
        // not JSON: keep the status
      }
      throw new Error(message);
    }
    const decoder = new TextDecoder();
    let buffered = '';
    for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
      buffered += decoder.decode(chunk, { stream: true }).replace(/\r\n?/g, '\n');
      let end = buffered.indexOf('\n\n');
      while (end !== -1) {
        const event = parseEvent(buffered.slice(0, end));
        buffered = buffered.slice(end + 2);
        if (event !== undefined) yield event;
        end = buffered.indexOf('\n\n');
      }
    }
    throw new Error('the server ended the feed stream');
  };
