import type { ProbeAnswer, ProbeClient, ProbeRequest } from '../../ports/probe-client.js';

/** How much of an answer's body is read before the connection is let go (the status is what counts). */
const MAX_BODY_BYTES = 64 * 1024;

const drain = async (body: ReadableStream<Uint8Array> | null): Promise<void> => {
  if (body === null) return;
  const reader = body.getReader();
  let read = 0;
  try {
    for (;;) {
      const chunk = await reader.read();
      if (chunk.done) return;
      read += chunk.value.byteLength;
      if (read > MAX_BODY_BYTES) {
        await reader.cancel();
        return;
      }
    }
  } catch {
    // The status is already known; a body that breaks off changes nothing.
  }
};

const describe = (error: unknown, timeoutMs: number): string => {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError'))
    return `no answer within ${timeoutMs} ms`;
  const cause =
    error instanceof Error ? (error.cause as { code?: unknown; message?: unknown } | undefined) : undefined;
  if (typeof cause?.code === 'string') return `connection failed: ${cause.code}`;
  if (typeof cause?.message === 'string') return `request failed: ${cause.message}`;
  return `request failed: ${error instanceof Error ? error.message : String(error)}`;
};

/**
 * Node's fetch. `redirect: 'manual'`: a 3xx is the probe's answer, so the canary's token never
 * travels to wherever a redirect points. Each call has its own timeout; bodies are read up to
 * 64 KiB and dropped.
 */
export const fetchProbeClient: ProbeClient = {
  async call(request: ProbeRequest): Promise<ProbeAnswer> {
    try {
      const response = await fetch(request.url, {
        method: request.method,
        headers: request.headers,
        redirect: 'manual',
        signal: AbortSignal.timeout(request.timeoutMs),
      });
      await drain(response.body);
      return { status: response.status };
    } catch (error) {
      return { status: 0, error: describe(error, request.timeoutMs) };
    }
  },
};
