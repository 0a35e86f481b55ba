import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll } from 'vitest';
import type { ApiResponse, TestServer } from '../support/test-server.js';

const hooksFiles: string[] = [];
// Registered in the root suite of each test file importing this module.
afterAll(() => {
  for (const file of hooksFiles.splice(0)) rmSync(dirname(file), { recursive: true, force: true });
});

/**
 * Writes a hooks file (`{"sources": …}`) to a fresh temporary directory; returns its path. The
 * directory is removed after the test file's tests.
 */
export const writeHooksFile = (sources: Record<string, unknown>): string => {
  const file = join(mkdtempSync(join(tmpdir(), 'cutoff-hooks-')), 'hooks.json');
  hooksFiles.push(file);
  writeFileSync(file, JSON.stringify({ sources }, null, 2));
  return file;
};

/** Computes the signature the way the docs tell a sender to, independently of the server code. */
export const signatureFor = (secret: string, timestamp: number, body: string): string =>
  createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');

export const nowSeconds = (): number => Math.floor(Date.now() / 1000);

export interface PostHookOptions {
  /** Signs with this secret (ignored when `header` is given). */
  readonly secret?: string;
  readonly timestamp?: number;
  /** The exact Cutoff-Signature header; null sends none. */
  readonly header?: string | null;
  readonly contentType?: string;
}

/** POSTs a raw body to /v1/hooks/{source}, signed unless told otherwise. */
export const postHook = async (
  t: TestServer,
  source: string,
  payload: unknown,
  options: PostHookOptions = {},
): Promise<ApiResponse> => {
  const body = typeof payload === 'string' ? payload : JSON.stringify(payload);
  const timestamp = options.timestamp ?? nowSeconds();
  const header =
    options.header === undefined
      ? options.secret === undefined
        ? null
        : `t=${timestamp},v1=${signatureFor(options.secret, timestamp, body)}`
      : options.header;
  const response = await fetch(`${t.url}/v1/hooks/${source}`, {
    method: 'POST',
    headers: {
      'content-type': options.contentType ?? 'application/json',
      ...(header !== null && { 'cutoff-signature': header }),
    },
    body,
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text === '' ? null : JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, body: parsed, headers: response.headers };
};

/** Creates a user with an email (the test server helper sets none). */
export const createUserWithEmail = async (
  t: TestServer,
  input: { username: string; email: string; roles?: string[]; groups?: string[] },
): Promise<{ id: string; username: string; password: string }> => {
  const password = `pw-${input.username}-secret`;
  const response = await t.api('POST', '/v1/users', { ...input, password });
  if (response.status !== 201) throw new Error(`createUser failed: ${response.status}`);
  return { id: response.body.id as string, username: input.username, password };
};

/** Waits until the next wall-clock second, so new tokens are not caught by a same-second watermark. */
export const nextSecond = (): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, 1000 - (Date.now() % 1000) + 20));
